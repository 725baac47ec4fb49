"""What a daemon start loads: on a current schema no Alembic, no metrics library with metrics off, and
only the configured country's holidays."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from alembic.script import ScriptDirectory

from helpdesk.tickets.db import alembic_config, make_engine, newest_revision, schema_revision, upgrade

ROOT = Path(__file__).resolve().parent.parent
# A fresh interpreter starts the daemon as `helpdesk run` does, then says what it has loaded.
START = """
import json, sys
from pathlib import Path
import helpdesk.cli
from helpdesk.config import load_config
from helpdesk.daemon import Helpdesk
Helpdesk(load_config(Path(sys.argv[1]), environ={})).close()
print(json.dumps(sorted({m.split(".")[0] for m in sys.modules} & {"alembic", "mako", "prometheus_client"})
                 + sorted(m for m in sys.modules if m.startswith("holidays.countries"))))
"""


def _start(tmp_path: Path) -> list[str]:
    config = tmp_path / "helpdesk.yaml"
    config.write_text(
        f"database:\n  url: sqlite:///{tmp_path / 'helpdesk.db'}\npaths:\n  data: {tmp_path / 'var'}\n",
        encoding="utf-8",
    )
    done = subprocess.run(
        [sys.executable, "-c", START, str(config)], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout)


def test_a_start_on_a_current_schema_imports_no_alembic_and_one_countrys_holidays(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'helpdesk.db'}")
    upgrade(engine)
    assert _start(tmp_path) == ["holidays.countries.china"]  # the shipped calendar's CN
    engine.dispose()


def test_a_start_on_a_schema_behind_migrates_it_to_the_newest_revision(tmp_path):
    assert "alembic" in _start(tmp_path)
    engine = make_engine(f"sqlite:///{tmp_path / 'helpdesk.db'}")
    head = ScriptDirectory.from_config(alembic_config(engine)).get_current_head()
    assert schema_revision(engine) == newest_revision() == head  # the cheap reading is Alembic's
    engine.dispose()
