"""`helpdesk search` from the command line: filters by label in either language, --reindex, bad input."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from benchmarks.search import load_labelled
from helpdesk.cli import main
from helpdesk.rules.load import load_rules
from helpdesk.tickets.db import make_engine, session_factory, upgrade
from tests.conftest import SHIPPED_RULES


@pytest.fixture
def config_path(tmp_path, sqlite_url):
    engine = make_engine(sqlite_url)
    upgrade(engine)
    with session_factory(engine).begin() as session:
        load_labelled(session, load_rules(SHIPPED_RULES))
    engine.dispose()
    path = tmp_path / "helpdesk.yaml"
    path.write_text(f"database:\n  url: {sqlite_url}\npaths:\n  rules: {SHIPPED_RULES}\n", encoding="utf-8")
    return path


def run(path, *args: str):
    return CliRunner().invoke(main, ["--config", str(path), "search", *args])


def numbers(result) -> list[str]:
    assert result.exit_code == 0, result.output
    return [row["number"] for row in json.loads(result.stdout)]


def test_filters_take_names_and_labels_in_either_language(config_path):
    by_label = numbers(run(config_path, "打印", "--state", "已解决", "--json"))
    assert (
        by_label == numbers(run(config_path, "打印", "--state", "resolved", "--json")) and len(by_label) == 1
    )
    permission = numbers(run(config_path, "账号", "--type", "权限申请", "--json"))
    assert permission == numbers(run(config_path, "账号", "--type", "Permission request", "--json"))
    assert len(permission) == 1
    # The English backup ticket was archived at 18:00 UTC on 3 November: the 4th in Shanghai, the desk's zone.
    assert (
        len(numbers(run(config_path, "backup", "--since", "2026-11-04", "--until", "2026-11-04", "--json")))
        == 1
    )
    assert numbers(run(config_path, "backup", "--until", "2026-11-03", "--json")) == []
    assert numbers(run(config_path, "打印", "--customer", "nobody@", "--json")) == []


def test_reindex_rebuilds_and_says_what_it_did_in_the_desks_language(config_path):
    rebuilt = run(config_path, "--reindex")
    assert rebuilt.exit_code == 0 and "已重建搜索索引：40 张工单，38 条知识" in rebuilt.output
    assert numbers(run(config_path, "--reindex", "vpn", "--json", "--kind", "knowledge"))


def test_bad_input_gets_a_clear_answer(config_path):
    empty = run(config_path)
    assert empty.exit_code == 1 and "give the words to search for" in empty.output
    unknown = run(config_path, "打印", "--type", "nonsense")
    assert unknown.exit_code == 1 and "no type 'nonsense'" in unknown.output
    punctuation = run(config_path, "？！")
    assert punctuation.exit_code == 0 and "没有找到" in punctuation.output
