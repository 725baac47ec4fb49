"""Config loading: defaults, environment overrides, and errors that name file and line."""

from pathlib import Path

import pytest

from helpdesk.config import load_config
from helpdesk.errors import ConfigError


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "helpdesk.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_without_a_file():
    config = load_config(None, environ={})
    assert config.database.url == "sqlite:///helpdesk.db"
    assert config.numbering.format == "{date:%Y%m}-{seq:03d}"
    assert config.imap.processed_action == "move"


def test_relative_paths_follow_the_file(tmp_path):
    config = load_config(write(tmp_path, "database:\n  url: sqlite:///hd.db\npaths:\n  data: var\n"), {})
    assert config.database.url == f"sqlite:///{tmp_path}/hd.db"
    assert config.paths.data == tmp_path / "var"


def test_secrets_from_environment(tmp_path):
    path = write(tmp_path, "imap:\n  password: in-file\n")
    config = load_config(path, {"HELPDESK_IMAP_PASSWORD": "s3cret", "HELPDESK_SUPPORT_ADDRESS": "hd@x.cn"})
    assert config.imap.password == "s3cret"
    assert config.support_address == "hd@x.cn"


def test_errors_name_file_and_line(tmp_path):
    path = write(
        tmp_path,
        "support_address: a@b.c\nimap:\n  host: mail\n  port: seventy\n  idel: true\nnumbering:\n"
        "  format: '{date:%Y}'\ntimezone: Mars/Olympus\n",
    )
    with pytest.raises(ConfigError) as caught:
        load_config(path, {})
    problems = "\n".join(caught.value.problems)
    assert f"{path}:4: imap.port" in problems
    assert f"{path}:5: imap.idel: Extra inputs are not permitted" in problems
    assert f"{path}:7: numbering.format" in problems and "{seq}" in problems
    assert f"{path}:8: timezone" in problems and "Mars/Olympus" in problems


def test_yaml_syntax_error_has_line(tmp_path):
    path = write(tmp_path, "imap:\n  host: [unclosed\nsmtp: {}\n")
    with pytest.raises(ConfigError) as caught:
        load_config(path, {})
    assert caught.value.problems[0].startswith(f"{path}:3:")


def test_missing_file(tmp_path):
    with pytest.raises(ConfigError, match="cannot read"):
        load_config(tmp_path / "nope.yaml", {})


def test_example_config_is_valid():
    example = Path(__file__).resolve().parents[1] / "deploy" / "helpdesk.example.yaml"
    config = load_config(example, {})
    assert config.paths.rules.name == "rules"
    assert config.imap.processed_action == "move" and config.smtp.retry.max_attempts == 12


def test_a_bad_environment_variable_is_named(tmp_path):
    path = tmp_path / "helpdesk.yaml"
    path.write_text("imap:\n  host: mail.example.com\n", encoding="utf-8")
    with pytest.raises(ConfigError) as raised:
        load_config(path, environ={"HELPDESK_IMAP_PORT": "imap", "HELPDESK_SMTP_TIMEOUT_SECONDS": "-1"})
    problems = raised.value.problems
    assert any(p.startswith("environment variable HELPDESK_IMAP_PORT: imap.port:") for p in problems)
    assert any(p.startswith("environment variable HELPDESK_SMTP_TIMEOUT_SECONDS:") for p in problems)
