"""A released request closes as 已闭环 after its stable period (3 working days on the team's calendar):
the pure deciders across a weekend, New Year and National Day's make-up workday; the submitter's
thanks close it at once, a problem report sends it back to work and a new release starts a new
period; end to end over IMAP, SMTP and the database with a moved clock. Attacks: a colleague's, a
forged (DKIM/DMARC failing) and an RFC 2047 display-name "验收通过" close nothing. The mail tests
run on SQLite and PostgreSQL."""

from __future__ import annotations

import base64
import re
import shutil
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from helpdesk.cli import main
from helpdesk.clock import ManualClock
from helpdesk.config import CommandsConfig
from helpdesk.daemon import Helpdesk
from helpdesk.demo import customer_mail
from helpdesk.effects import ChangeState, DropField, Notify, Record, Set, SetField
from helpdesk.mail.parse import parse_message
from helpdesk.tickets.models import Event, Ticket, TicketField
from helpdesk.tickets.snapshot import Workload
from helpdesk.workflow.customer import CustomerDecider, courtesy_only
from helpdesk.workflow.stable import read_release_reply, stable_due, stable_end
from tests.conftest import SHIPPED_RULES
from tests.test_deciders import RULES, ZONE, mail, of, ticket
from tests.test_staff_trust import with_stamps
from tests.test_workflow import CUSTOMER, START, body, mails_to, reply, ticket_now

PM = "孙丽 <sun.li@example.com>"
STAFF_PASS = "mx.example.com; dkim=pass header.d=example.com; dmarc=pass header.from=example.com"
SUBMITTER_PASS = "mx.example.com; dkim=pass header.d=example.cn; dmarc=pass header.from=example.cn"
SUBMITTER_FAIL = "mx.example.com; dkim=fail header.d=example.cn; dmarc=fail header.from=example.cn"


def local(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=ZONE)


def released(at: datetime, **columns):
    """A development request its owner released at `at`, its stable period as the applier sets it."""
    values = {"status": "released", "type": "development", "team": "rnd", "owner": "sun.li"}
    values |= {"stable_until": stable_end(RULES, "development", "rnd", at)} | columns
    return ticket(**values)


# -- the period, on the calendar ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("at", "still_open", "closes"),
    [
        # Thursday 15:00: Friday and Monday count, the weekend does not.
        (local(2026, 12, 3, 15), local(2026, 12, 7, 18), local(2026, 12, 8, 15)),
        # Wednesday before New Year: 1 January is a public holiday, so not Monday but Tuesday.
        (local(2026, 12, 30, 15), local(2027, 1, 4, 15), local(2027, 1, 5, 15)),
        # Before National Day: 1–7 October are off, Saturday 10 October is a make-up workday (调休).
        (local(2026, 9, 30, 15), local(2026, 10, 9, 18), local(2026, 10, 10, 15)),
    ],
)
def test_three_working_days_on_the_calendar(at, still_open, closes):
    view = released(at)
    assert stable_due(RULES, view, still_open) == []
    assert stable_due(RULES, view, closes - timedelta(minutes=1)) == []
    effects = stable_due(RULES, view, closes)
    assert [c.target for c in of(ChangeState, effects)] == ["closed"]
    assert [(f.name, f.value, f.source) for f in of(SetField, effects)] == [
        ("closure", "closed_loop", "system")
    ]
    assert {"confirmation": "resolved"} in [s.changes for s in of(Set, effects)]
    [notice] = of(Notify, effects)
    assert notice.template == "close_notice" and notice.extra["closure"] == "closed_loop"
    assert "稳定运行3个工作日" in notice.extra["why"]
    [why] = [r for r in of(Record, effects) if r.kind == "closed_loop"]
    assert "no problem reported" in why.reason


def test_an_earlier_rounds_answer_is_overtaken_by_the_stable_close():
    # Resolved, answered 未解决, reopened, fixed and released again: the period's silence confirms it.
    view = released(local(2026, 12, 3, 15), confirmation="unresolved", satisfaction="unsatisfied")
    effects = stable_due(RULES, view, local(2026, 12, 8, 15))
    assert {"confirmation": "resolved"} in [s.changes for s in of(Set, effects)]


def test_a_type_without_a_stable_period_is_untouched():
    at = local(2026, 12, 3, 15)
    assert stable_end(RULES, "fault", "operations", at) is None
    fault = ticket(status="released", type="fault", team="operations", owner="wang.wei")
    assert stable_due(RULES, fault, at + timedelta(days=30)) == []
    effects = CustomerDecider(RULES, ZONE).customer_mail(
        fault, mail(CUSTOMER, "Re: 工单", "验收通过"), at, Workload()
    )
    assert not of(ChangeState, effects)
    assert [n.template for n in of(Notify, effects)] == ["customer_reply"]  # to its owner, as before


def test_a_ticket_no_longer_released_is_not_closed():
    view = released(local(2026, 12, 3, 15), status="developing")
    assert stable_due(RULES, view, local(2026, 12, 20, 10)) == []


def test_check_names_each_bad_stable_period_with_its_line(tmp_path):
    shutil.copytree(SHIPPED_RULES, tmp_path / "rules")
    sla = tmp_path / "rules" / "sla.yaml"
    text = sla.read_text("utf-8").replace(
        "  development: 3bd\n", "  development: 3 weeks\n  fault: 3bd\n  typo: 1bd\n"
    )
    sla.write_text(text, "utf-8")
    config = tmp_path / "helpdesk.yaml"
    config.write_text("support_address: help@example.com\npaths:\n  rules: rules\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["check", "--config", str(config)], catch_exceptions=False)
    assert result.exit_code == 1
    line = next(n for n, row in enumerate(text.splitlines(), 1) if row.startswith("stable:"))
    found = {row.split(": ", 2)[1]: row for row in result.output.splitlines() if "stable" in row}
    assert found[f"{sla}:{line + 1}"].endswith(
        "stable.development: not a duration: '3 weeks' (examples: 15m, 4h, 2d, 8bh, 3bd)"
    )
    assert found[f"{sla}:{line + 2}"].endswith("stable: the workflow of 'fault' has no state 'released'")
    assert found[f"{sla}:{line + 3}"].endswith("stable: 'typo' is not a type")


# -- what the submitter writes -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("words", "kind"),
    [
        ("验收通过", "accepted"),
        ("好的谢谢", "accepted"),
        ("Thanks, works fine.", "accepted"),
        ("没有问题，验收通过", "accepted"),
        ("上线后导出报错了", "problem"),
        ("谢谢！不过导出按钮点了没反应，无法导出", "problem"),
        ("It still fails on the export page", "problem"),
        ("验收不通过", "problem"),
        ("请问导出的文件保存在哪里？", "unclear"),
        ("", "empty"),
    ],
)
def test_the_submitters_words_are_read(words, kind):
    reply_ = read_release_reply(words, courtesy_only(words, "李雷", "li.lei@example.cn"), sent_file=False)
    assert reply_.kind == kind, reply_.why


def decide(view, sender: str, words: str, commands: CommandsConfig | None = None, raw: bytes | None = None):
    decider = CustomerDecider(RULES, ZONE, commands or CommandsConfig())
    message = (
        parse_message(raw, frozenset({"support@example.com"}), "zh")
        if raw
        else mail(sender, "Re: 需求", words)
    )
    return decider.customer_mail(view, message, local(2026, 12, 4, 10), Workload())


def test_thanks_close_it_at_once_with_the_confirmation_recorded():
    effects = decide(released(local(2026, 12, 3, 15)), CUSTOMER, "好的谢谢")
    assert [c.target for c in of(ChangeState, effects)] == ["closed"]
    assert any(s.changes.get("confirmation") == "resolved" for s in of(Set, effects))
    assert [(f.name, f.value, f.source) for f in of(SetField, effects)] == [
        ("closure", "closed_loop", "mail")
    ]
    [notice] = of(Notify, effects)
    assert (notice.template, notice.extra["closure"]) == ("close_notice", "closed_loop")
    assert "验收" in notice.extra["why"]
    assert [r.kind for r in of(Record, effects)] == ["acceptance"]


def test_a_problem_stops_the_period_and_goes_back_to_development():
    view = released(local(2026, 12, 3, 15))
    effects = decide(view, CUSTOMER, "上线后导出报错了，提示“导出失败”")
    assert [c.target for c in of(ChangeState, effects)] == ["developing"]
    told = {n.person: n for n in of(Notify, effects)}
    assert told["sun.li"].template == "reopened" and "导出失败" in told["sun.li"].extra["message"]
    assert "稳定期中止" in told["sun.li"].extra["why"] and "开发中" in told["sun.li"].extra["why"]
    assert told[None].template == "reopen_notice" and "重新计算" in told[None].extra["why"]
    assert not of(SetField, effects)
    # Back in development, the old period's end closes nothing.
    assert (
        stable_due(RULES, released(local(2026, 12, 3, 15), status="developing"), local(2026, 12, 9, 10)) == []
    )


RELEASED_RECORD = {
    "scope": "凭证列表页一键导出",
    "uat": "passed",
    "release_at": "2026-12-03T15:00:00+08:00",
    "rollback": "切回旧版本",
}


def test_a_problem_drops_the_acceptance_and_the_release_time_and_keeps_the_rollback_plan():
    view = released(local(2026, 12, 3, 15), fields=RELEASED_RECORD)
    effects = decide(view, CUSTOMER, "上线后导出报错了，提示“导出失败”")
    assert [d.name for d in of(DropField, effects)] == ["uat", "release_at"]
    [event] = [r for r in of(Record, effects) if r.kind == "problem_after_release"]
    assert event.detail == {"to": "developing", "dropped": ["uat", "release_at"]}
    # Thanks, or a question, keep the record as it is.
    for words in ("好的谢谢", "请问导出的文件保存在哪里？"):
        assert not of(DropField, decide(view, CUSTOMER, words)), words


def test_a_question_reaches_the_owner_and_the_period_runs_on():
    effects = decide(released(local(2026, 12, 3, 15)), CUSTOMER, "请问导出的文件保存在哪里？")
    assert not of(ChangeState, effects)
    [relayed] = of(Notify, effects)
    assert (relayed.template, relayed.person) == ("customer_reply", "sun.li")
    assert [r.kind for r in of(Record, effects)] == ["release_reply_unclear"]


def test_a_colleague_copied_in_cannot_accept_for_the_submitter():
    effects = decide(released(local(2026, 12, 3, 15)), "韩梅梅 <han.meimei@example.cn>", "验收通过")
    assert not of(ChangeState, effects)
    [refused] = of(Record, effects)
    assert refused.kind == "acceptance_refused" and "not the submitter" in refused.reason
    assert [n.template for n in of(Notify, effects)] == ["customer_reply"]


def test_a_forged_submitter_cannot_accept_where_our_server_vouches():
    commands = CommandsConfig(require_authentication=True, authserv_id="mx.example.com")
    view = released(local(2026, 12, 3, 15))
    forged = with_stamps(customer_mail(CUSTOMER, "Re: 需求", "验收通过"), SUBMITTER_FAIL, SUBMITTER_PASS)
    effects = decide(view, CUSTOMER, "", commands, raw=forged)
    assert not of(ChangeState, effects)
    assert [r.kind for r in of(Record, effects)] == ["acceptance_refused"]
    genuine = with_stamps(customer_mail(CUSTOMER, "Re: 需求", "验收通过"), SUBMITTER_PASS)
    assert [c.target for c in of(ChangeState, decide(view, CUSTOMER, "", commands, raw=genuine))] == [
        "closed"
    ]


# -- end to end ----------------------------------------------------------------------------------


@pytest.fixture
def clock():
    return ManualClock(START)  # Monday 23 November 2026, 10:00 in Shanghai


@pytest.fixture
def rules_folder(tmp_path) -> Path:
    """The shipped rules without the workflows' entry gates (scope, UAT, release plan): this file
    is about what happens after a release, however the request got there."""
    folder = tmp_path / "rules"
    shutil.copytree(SHIPPED_RULES, folder)
    flows = folder / "workflows.yaml"
    flows.write_text(re.sub(r"\n    requires:\n(      .*\n)+", "\n", flows.read_text("utf-8")), "utf-8")
    return folder


@pytest.fixture
def app(make_config, db_url, clock, rules_folder):
    helpdesk = Helpdesk(make_config(db_url, rules=rules_folder), clock=clock)
    yield helpdesk
    helpdesk.close()


def move(app, account, notice, keyword: str, stamp: str | None = None) -> None:
    raw = reply(notice, PM, f"Re: {keyword} ", "")
    account.deliver(with_stamps(raw, stamp) if stamp else raw)
    app.run_once()


def release(app, account, smtp, stamp: str | None = None):
    """A request from 李雷 taken to released by its product manager; returns (owner's notice, the
    customer's released mail)."""
    account.deliver(customer_mail(CUSTOMER, "新功能需求", "使用场景：月结\n预期效果：一键导出凭证"))
    app.run_once()
    [notice] = mails_to(smtp, "sun.li@example.com")
    for keyword in ("[评估中]", "[开发中]", "[测试中]", "[已上线]"):
        move(app, account, notice, keyword, stamp)
    assert ticket_now(app).status == "released"
    return notice, mails_to(smtp, "li.lei@example.cn")[-1]


def events(app, kind: str) -> list[Event]:
    with app.sessions() as session:
        return list(session.scalars(select(Event).where(Event.kind == kind)))


def test_the_sweep_closes_it_as_closed_loop_after_three_working_days(app, account, smtp, clock, tmp_path):
    _, live = release(app, account, smtp)
    text = body(live)
    assert "需求已上线" in text and "3个工作日内如无问题将自动闭环（2026-11-26 10:00）" in text
    clock.advance(timedelta(days=3, minutes=-1))  # Thursday 09:59: one working minute short
    app.run_once()
    assert ticket_now(app).status == "released"
    clock.advance(timedelta(minutes=1))
    app.run_once()
    closed = ticket_now(app)
    assert (closed.status, closed.confirmation, closed.stable_until) == ("closed", "resolved", None)
    notice = mails_to(smtp, "li.lei@example.cn")[-1]
    assert "需求已闭环" in notice["Subject"]
    said = body(notice)
    assert "已闭环" in said and "稳定运行3个工作日" in said and "重新打开" in said
    assert not re.search(r"[A-Za-z]{4,}", said.split("--")[0].replace("RD", ""))  # no English in it
    with app.sessions() as session:
        [closure] = session.scalars(select(TicketField).where(TicketField.name == "closure")).all()
    assert closure.value == "closed_loop"
    shown = CliRunner().invoke(
        main, ["--config", str(tmp_path / "helpdesk.yaml"), "tickets", "show", closed.number]
    )
    assert "闭环情况" in shown.output and "已闭环" in shown.output and "closed_loop" not in shown.output


def test_a_problem_after_release_goes_back_to_its_owner_and_a_new_release_starts_again(
    app, account, smtp, clock
):
    notice, live = release(app, account, smtp)
    clock.advance(timedelta(hours=1))
    account.deliver(reply(live, CUSTOMER, "回复：", "上线后导出报错，提示“导出失败”。"))
    app.run_once()
    assert ticket_now(app).status == "developing"
    to_owner = mails_to(smtp, "sun.li@example.com")[-1]
    assert "上线后导出报错" in body(to_owner) and "稳定期中止" in body(to_owner)
    assert "稳定期重新计算" in body(mails_to(smtp, "li.lei@example.cn")[-1])
    assert [e.detail["to"] for e in events(app, "problem_after_release")] == ["developing"]

    clock.advance(timedelta(days=3))  # Thursday 11:00: past the first period's end
    app.run_once()
    assert ticket_now(app).status == "developing"
    move(app, account, notice, "[测试中]")
    move(app, account, notice, "[已上线]")  # a new period: to Tuesday 1 December 11:00
    assert "2026-12-01 11:00" in body(mails_to(smtp, "li.lei@example.cn")[-1])
    clock.advance(timedelta(days=5, minutes=-1))
    app.run_once()
    assert ticket_now(app).status == "released"
    clock.advance(timedelta(minutes=1))
    app.run_once()
    assert ticket_now(app).status == "closed"


@pytest.fixture
def vouched(make_config, sqlite_url, clock, rules_folder):
    commands = {"require_authentication": True, "authserv_id": "mx.example.com"}
    helpdesk = Helpdesk(make_config(sqlite_url, rules=rules_folder, commands=commands), clock=clock)
    yield helpdesk
    helpdesk.close()


def test_forged_acceptances_close_nothing_and_the_submitters_own_does(vouched, account, smtp, tmp_path):
    app = vouched
    _, live = release(app, account, smtp, STAFF_PASS)
    number = ticket_now(app).number
    # The submitter's address, but our server says the mail did not come from example.cn.
    account.deliver(with_stamps(reply(live, CUSTOMER, "回复：", "验收通过"), SUBMITTER_FAIL))
    app.run_once()
    assert ticket_now(app, number).status == "released"
    assert "验收通过" in body(mails_to(smtp, "sun.li@example.com")[-1])  # the owner reads it
    assert len(events(app, "acceptance_refused")) == 1
    command = ["--config", str(tmp_path / "helpdesk.yaml"), "tickets", "show", number]
    shown = CliRunner(env={"COLUMNS": "200"}).invoke(main, command).output
    assert "验收未获确认" in shown and "非提交人本人" not in shown  # her address, not shown to be her
    # A display name that is the submitter's address, RFC 2047 encoded, from somebody else.
    name = base64.b64encode(b"li.lei@example.cn").decode()
    disguised = customer_mail(
        f"=?utf-8?b?{name}?= <mallory@evil.example>", f"Re: [#{number}] 验收通过", "验收通过"
    )
    account.deliver(with_stamps(disguised, SUBMITTER_PASS))
    app.run_once()
    assert ticket_now(app, number).status == "released"
    with app.sessions() as session:
        stranger = session.scalars(
            select(Ticket).where(Ticket.requester_email == "mallory@evil.example")
        ).one()
    assert stranger.related_ticket_id == ticket_now(app, number).id
    # A quoted 验收通过 under a question is no acceptance either.
    account.deliver(with_stamps(reply(live, CUSTOMER, "回复：", "导出的文件在哪个目录？"), SUBMITTER_PASS))
    app.run_once()
    assert ticket_now(app, number).status == "released"
    account.deliver(with_stamps(reply(live, CUSTOMER, "回复：", "好的，谢谢！"), SUBMITTER_PASS))
    app.run_once()
    accepted = ticket_now(app, number)
    assert (accepted.status, accepted.confirmation) == ("closed", "resolved")
    assert "需求已闭环" in mails_to(smtp, "li.lei@example.cn")[-1]["Subject"]
