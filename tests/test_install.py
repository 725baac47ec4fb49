"""`pip install .` must carry the default rules and templates: a real wheel build, checked file by file."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUILD_INPUTS = ("pyproject.toml", "README.md", "helpdesk", "rules", "templates")


def test_wheel_carries_rules_and_templates(tmp_path):
    # Build from a copy, so a stale build/ in the checkout cannot put files into the wheel.
    source = tmp_path / "src"
    source.mkdir()
    for name in BUILD_INPUTS:
        path = ROOT / name
        if path.is_dir():
            shutil.copytree(path, source / name, symlinks=True, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(path, source / name)
    dist = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir", str(dist), str(source)],
        check=True,
        capture_output=True,
        timeout=240,
    )
    (wheel,) = dist.glob("helpdesk-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())

    expected = {"helpdesk/bundled/rules/catalog.yaml"}
    expected |= {f"helpdesk/bundled/rules/{p.name}" for p in (ROOT / "rules").glob("*.yaml")}
    templates = ROOT / "templates" / "email"
    expected |= {
        f"helpdesk/bundled/templates/email/{p.relative_to(templates).as_posix()}"
        for p in templates.rglob("*.j2")
    }
    expected |= {
        f"helpdesk/mail/attribution/{p.name}"
        for p in (ROOT / "helpdesk" / "mail" / "attribution").glob("*.yaml")
    }
    assert len(expected) > 10
    assert expected <= names, sorted(expected - names)
