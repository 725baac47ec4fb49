"""A development request's life by engineer commands, pure: StaffDecider over a snapshot for each
command in Chinese and English, each refusal with its coded reason, the workflow's gates, and the
attacks (a customer's command, a forged staff mail, a command quoted in a reply)."""

from __future__ import annotations

import re
import shutil
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from helpdesk.effects import Authority, ChangeState, DropField, Notify, Record, SetField, StopClock
from helpdesk.errors import ConfigError
from helpdesk.outbound.phrases_reasons import say
from helpdesk.rules.load import load_rules
from helpdesk.tickets.snapshot import Workload
from helpdesk.workflow.customer import CustomerDecider
from helpdesk.workflow.stable import stable_end
from helpdesk.workflow.staff import StaffDecider
from tests.conftest import SHIPPED_RULES
from tests.test_deciders import NOW, RULES, ZONE, mail, of, ticket

STAFF = StaffDecider(RULES, ZONE)
PM = RULES.directory.person("sun.li")  # the product manager who owns requests
REQUEST = {"type": "development", "priority": "medium", "team": "product", "owner": "sun.li"}
SCOPED = {"scope": "凭证列表页一键导出"}


def request(status: str = "evaluating", **fields: str):
    return ticket(status=status, owner_confirmed_at=NOW, fields=dict(fields), **REQUEST)


def decide(view, text: str, subject: str = "Re: [#202612-001] 月结凭证导出", verified: bool = True):
    sent = mail(f"{PM.name} <{PM.email}>", subject, text)
    return STAFF.staff_mail(
        view, sent, PM, Authority(PM.id, verified, "ok" if verified else "dkim=fail"), NOW
    )


def fields(effects) -> dict[str, str]:
    return {f.name: f.value for f in of(SetField, effects)}


def to_customer(effects) -> list[Notify]:
    return [n for n in of(Notify, effects) if n.person is None]


def refused(effects) -> list[dict]:
    """The coded reasons of the lines this mail's receipt lists as not done."""
    (receipt,) = [n for n in of(Notify, effects) if n.template == "receipt"]
    return [item["why"] for item in receipt.extra["rejected"]]


def codes(effects) -> list[str]:
    return [why["code"] for why in refused(effects)]


def recorded(effects, kind: str) -> dict:
    (event,) = [r for r in of(Record, effects) if r.kind == kind]
    return event.detail


@pytest.mark.parametrize(
    "line",
    [
        "#评估 可实施 现有接口可支持，两周完成",
        "#evaluation feasible the interface supports it",
        "＃评估　可行　两周完成",
    ],
)
def test_a_feasible_evaluation_is_recorded_meets_its_clock_tells_the_submitter_and_moves_on(line):
    effects = decide(request(), line)
    report = fields(effects)["evaluation_report"]
    assert fields(effects)["evaluation"] == "feasible" and report and not report.startswith(("可", "fea"))
    assert StopClock("feasibility") in effects
    assert [c.target for c in of(ChangeState, effects)] == ["designing"]
    [told] = to_customer(effects)
    assert told.template == "evaluation_report" and told.extra == {"outcome": "feasible", "report": report}
    assert recorded(effects, "command_evaluation")["to"] == "designing"


def test_not_feasible_closes_the_ticket_with_the_report_and_no_second_mail():
    effects = decide(request(), "#evaluation not feasible the vouchers live in another system")
    assert [c.target for c in of(ChangeState, effects)] == ["closed"]
    assert "the vouchers live in another system" in of(ChangeState, effects)[0].why
    assert [n.template for n in to_customer(effects)] == ["evaluation_report"]  # no close_notice
    assert to_customer(effects)[0].extra["outcome"] == "infeasible"
    assert fields(decide(request(), "#评估 暂不可实施 数据在外部系统"))["evaluation"] == "infeasible"


def test_needs_adjustment_stays_and_asks_the_submitter_with_the_engineers_words_in_the_one_mail():
    effects = decide(request(), "#评估 需调整 建议改为按月导出\n\n李雷您好，请确认是否可以按月导出。")
    assert not of(ChangeState, effects) and fields(effects)["evaluation"] == "adjust"
    [told] = to_customer(effects)  # the words ride with the evaluation, no status_update besides
    assert told.template == "evaluation_report" and "按月导出" in told.words
    assert fields(decide(request(), "#evaluate adjust one month at a time"))["evaluation"] == "adjust"


@pytest.mark.parametrize(
    ("view", "line", "code"),
    [
        (request(), "#评估 也许吧 再看看", "unknown_outcome"),
        (request(), "#评估 可实施", "evaluation_needs_report"),
        (request("designing"), "#evaluation infeasible too costly", "cannot_close"),
        (request("closed"), "#评估 可实施 可以做", "ticket_closed"),
    ],
)
def test_an_evaluation_that_cannot_be_carried_out_is_refused_and_changes_nothing(view, line, code):
    effects = decide(view, line)
    assert codes(effects) == [code]
    assert not of(SetField, effects) and not of(ChangeState, effects) and not to_customer(effects)


@pytest.mark.parametrize("word", ["#范围冻结", "#设计确认", "#freeze", "#signoff", "#Sign-off"])
def test_the_design_sign_off_freezes_the_scope_and_tells_the_submitter(word):
    effects = decide(request("designing"), f"{word} 凭证列表页一键导出，按月份")
    assert fields(effects) == {"scope": "凭证列表页一键导出，按月份"}
    [told] = to_customer(effects)
    assert told.template == "scope_frozen" and told.extra == {"scope": "凭证列表页一键导出，按月份"}


def test_a_second_freeze_or_an_empty_one_is_refused():
    assert codes(decide(request("designing", **SCOPED), "#范围冻结 别的范围")) == ["already_frozen"]
    assert codes(decide(request("designing"), "#freeze")) == ["scope_empty"]


def test_a_change_is_refused_before_the_freeze_and_numbered_per_ticket_after_it():
    before = decide(request("designing"), "#变更 增加按部门筛选")
    assert codes(before) == ["not_frozen"] and not to_customer(before)
    assert "冻结前的调整属于设计" in say(refused(before)[0], "zh")
    first = decide(request("developing", **SCOPED), "#变更 增加按部门筛选")
    assert fields(first) == {"changes": "1"}
    [told] = to_customer(first)
    assert told.template == "change_request" and told.extra["change"] == {
        "number": 1,
        "description": "增加按部门筛选",
    }
    third = decide(request("developing", **SCOPED, changes="2"), "#change filter by department")
    assert recorded(third, "command_change") == {"number": 3, "description": "filter by department"}
    assert codes(decide(request("developing", **SCOPED), "#需求变更")) == ["change_empty"]


def test_a_stage_owner_is_mailed_their_stage_and_date_in_their_own_zone():
    effects = decide(request("designing"), "#阶段 开发 陈杰 2026-12-10")
    [told] = of(Notify, effects)[:1]
    assert (told.template, told.person) == ("stage_assignment", "chen.jie")
    assert told.extra["due"] == "2026-12-10 18:00" and told.extra["stage"]["zh"] == "开发"
    detail = recorded(effects, "command_stage")
    assert detail == {"stage": "development", "owner": "chen.jie", "planned": "2026-12-10T18:00:00+08:00"}
    unspaced = decide(request("designing"), "#阶段 测试 陈杰2026-12-12")
    assert recorded(unspaced, "command_stage")["owner"] == "chen.jie"
    english = decide(request("designing"), "#stage testing Emma Brown 2026-12-10 15:00")
    [told] = [n for n in of(Notify, english) if n.template == "stage_assignment"]
    assert told.person == "emma.brown" and told.extra["due"] == "2026-12-10 07:00"  # London
    assert recorded(decide(request(), "#stage design sun.li@example.com 明天"), "command_stage")["stage"] == (
        "design"
    )


@pytest.mark.parametrize(
    ("line", "code"),
    [
        ("#阶段 开发 张伟 2026-12-10", "unknown_person"),
        ("#阶段 开发 陈杰", "stage_needs_date"),
        ("#stage deploy chen.jie 2026-12-10", "unknown_stage"),
        ("#阶段 上线 陈杰 2026-13-45", "unreadable"),
    ],
)
def test_a_stage_names_a_staff_member_and_a_date_or_is_refused(line, code):
    effects = decide(request("designing"), line)
    assert codes(effects) == [code] and not [n for n in of(Notify, effects) if n.template != "receipt"]


def test_the_acceptance_test_keeps_result_person_time_and_notes():
    passed = decide(request("testing"), "#验收 通过 王芳 导出结果与账面一致")
    assert fields(passed) == {"uat": "passed"}
    assert recorded(passed, "command_uat") == {
        "result": "passed",
        "accepted_by": "王芳",
        "notes": "导出结果与账面一致",
    }
    partly = decide(request("testing"), "#uat partly passed Anna Smith, the export is slow")
    assert recorded(partly, "command_uat") == {
        "result": "partly",
        "accepted_by": "Anna Smith",
        "notes": "the export is slow",
    }
    capitals = decide(request("testing"), "#uat failed Anna Smith the export is slow")
    assert recorded(capitals, "command_uat")["accepted_by"] == "Anna Smith"
    assert recorded(capitals, "command_uat")["notes"] == "the export is slow"
    staff = decide(request("testing"), "#uat passed Emma Brown all fine")
    assert recorded(staff, "command_uat")["accepted_by"] == "Emma Brown"
    assert fields(decide(request("testing"), "#验收 未通过 王芳"))["uat"] == "failed"
    assert fields(decide(request("testing"), "#验收 部分通过 王芳"))["uat"] == "partly"
    assert codes(decide(request("testing"), "#验收 很好 王芳")) == ["unknown_result"]
    assert codes(decide(request("testing"), "#uat passed")) == ["uat_needs_person"]


def test_a_release_plan_needs_its_time_and_its_rollback():
    effects = decide(request("testing"), "#上线计划 2026-12-20 22:00 回滚：切回旧版本并恢复数据")
    assert fields(effects) == {"release_at": "2026-12-20T22:00:00+08:00", "rollback": "切回旧版本并恢复数据"}
    english = decide(request("testing"), "#release 2026-12-20 22:00 rollback: switch back to 3.2")
    assert fields(english)["rollback"] == "switch back to 3.2"
    assert fields(decide(request("testing"), "#上线计划 2026-12-20 22:00 回滚:旧版"))["rollback"] == "旧版"
    for line, plan in [
        ("#release 2026-12-20 22:00 rollback switch back", "switch back"),
        ("#release 2026-12-20 22:00 rollback plan: plan B", "plan B"),
        ("#上线计划 2026-12-20 22:00 回滚方案：方案二", "方案二"),
    ]:
        assert fields(decide(request("testing"), line))["rollback"] == plan, line
    assert codes(decide(request("testing"), "#上线计划 2026-12-20 22:00")) == ["release_needs_rollback"]
    assert codes(decide(request("testing"), "#上线计划 回滚：切回旧版本")) == ["release_needs_time"]
    assert codes(decide(request("testing"), "#release soon rollback: undo")) == ["unreadable"]


def test_a_review_is_taken_on_a_closed_ticket_and_stays_inside():
    effects = decide(request("closed"), "#复盘 评估阶段低估了数据量\n\n内部总结，勿转客户。")
    assert fields(effects) == {"review": "评估阶段低估了数据量"}
    assert not to_customer(effects) and not codes(effects)
    more = decide(request("closed", review="评估阶段低估了数据量"), "#review test with a year of data")
    assert fields(more)["review"] == "评估阶段低估了数据量\ntest with a year of data"
    assert codes(decide(request("closed"), "#复盘")) == ["review_empty"]


def test_the_gates_hold_a_keyword_move_until_the_record_has_what_they_name():
    held = decide(request("designing"), "", subject="Re: [#202612-001] [开发中]")
    assert not of(ChangeState, held) and codes(held) == ["gate_missing"]
    assert say(refused(held)[0], "zh") == "进入“开发中”前还需要：范围冻结（#范围冻结）"
    assert not re.search(r"[A-Za-z]{2,}", re.sub(r"#\w+", "", say(refused(held)[0], "zh")))
    moved = decide(request("designing", **SCOPED), "", subject="Re: [#202612-001] [DEVELOPING]")
    assert [c.target for c in of(ChangeState, moved)] == ["developing"]
    # The freeze and the keyword in one mail: the command comes first, so the gate is met.
    both = decide(request("designing"), "#范围冻结 凭证导出", subject="Re: [#202612-001] [开发中]")
    assert [c.target for c in of(ChangeState, both)] == ["developing"]
    failed = decide(request("testing", uat="failed"), "", subject="Re: [#202612-001] [RELEASED]")
    assert not of(ChangeState, failed)
    assert say(refused(failed)[0], "en") == (
        "Released needs first: a passed acceptance test (#uat passed), "
        "a release plan with its rollback (#release)"
    )
    ready = request("testing", uat="passed", release_at="2026-12-20T22:00:00+08:00", rollback="旧版")
    assert [c.target for c in of(ChangeState, decide(ready, "", "Re: [已上线]"))] == ["released"]


def test_after_a_problem_reported_on_the_release_it_is_released_again_only_after_a_new_acceptance():
    record = {**SCOPED, "uat": "passed", "release_at": "2026-12-01T22:00:00+08:00", "rollback": "切回旧版"}
    until = stable_end(RULES, "development", "product", NOW)
    live = ticket(status="released", owner_confirmed_at=NOW, fields=record, stable_until=until, **REQUEST)
    problem = CustomerDecider(RULES, ZONE).customer_mail(
        live, mail("李雷 <li.lei@example.cn>", "Re: 需求", "上线后导出报错了"), NOW, Workload()
    )
    dropped = {d.name for d in of(DropField, problem)}
    assert dropped == {"uat", "release_at"}
    back = request("testing", **{k: v for k, v in record.items() if k not in dropped})
    held = decide(back, "", subject="Re: [#202612-001] [已上线]")
    assert not of(ChangeState, held)
    assert say(refused(held)[0], "zh") == (
        "进入“已上线”前还需要：验收通过（#验收 通过）、上线计划及回滚方案（#上线计划）"
    )
    # A new release time alone: the rollback plan on the record stands; the acceptance is still owed.
    timed = decide(back, "#上线计划 2026-12-08 22:00", subject="Re: [#202612-001] [已上线]")
    assert fields(timed) == {"release_at": "2026-12-08T22:00:00+08:00"} and not of(ChangeState, timed)
    assert say(refused(timed)[0], "zh") == "进入“已上线”前还需要：验收通过（#验收 通过）"
    fixed = "#验收 通过 王芳 修复后导出正常\n#上线计划 2026-12-08 22:00"
    again = decide(back, fixed, subject="Re: [#202612-001] [已上线]")
    assert [c.target for c in of(ChangeState, again)] == ["released"] and not codes(again)


def test_the_lead_approving_tells_the_owner():
    lead = RULES.directory.person("liu.yang")
    view = ticket(
        status="awaiting_approval", type="fault", priority="fatal", team="operations", owner="wang.wei"
    )
    sent = mail(f"{lead.name} <{lead.email}>", "Re: [#202612-001]", "#批准")
    effects = STAFF.staff_mail(view, sent, lead, Authority(lead.id, True, "ok"), NOW)
    [owner] = [n for n in of(Notify, effects) if n.person == "wang.wei"]
    assert owner.template == "approval_request" and owner.extra["approved"] is True
    assert owner.extra["asked_by"] == lead.name


def test_a_customer_writing_a_lifecycle_command_moves_and_records_nothing():
    customer = CustomerDecider(RULES, ZONE)
    sent = mail(
        "李雷 <li.lei@example.cn>", "Re: [#202612-001]", "#评估 可实施 我自己评估过了\n#范围冻结 全部功能"
    )
    effects = customer.customer_mail(request(), sent, NOW, Workload())
    assert (
        not of(SetField, effects) and not of(ChangeState, effects) and StopClock("feasibility") not in effects
    )
    assert not [n for n in to_customer(effects) if n.template == "evaluation_report"]


def test_a_forged_staff_mail_records_nothing_and_the_real_engineer_is_told():
    effects = decide(request(), "#评估 可实施 伪造的评估\n#范围冻结 伪造", verified=False)
    assert not of(SetField, effects) and not of(ChangeState, effects) and not to_customer(effects)
    assert StopClock("feasibility") not in effects
    assert set(codes(effects)) == {"unverified"}
    assert [n.person for n in of(Notify, effects)] == ["sun.li"]


def test_a_freeze_quoted_under_the_engineers_new_words_is_no_command():
    text = "好的，我们下周确认。\n\n> #范围冻结 全部功能\n> #评估 可实施 已评估"
    effects = decide(request("designing"), text)
    assert not of(SetField, effects) and not of(ChangeState, effects)
    assert [n.template for n in to_customer(effects)] == ["status_update"]  # only the words, relayed


def test_planned_times_are_read_in_the_writers_zone():
    emma = RULES.directory.person("emma.brown")
    sent = mail(
        f"{emma.name} <{emma.email}>", "Re: [#202612-001]", "#release 2026-12-20 22:00 rollback: undo"
    )
    effects = STAFF.staff_mail(request("testing"), sent, emma, Authority(emma.id, True, "ok"), NOW)
    at = datetime.fromisoformat(fields(effects)["release_at"])
    assert at == datetime(2026, 12, 20, 22, 0, tzinfo=ZoneInfo("Europe/London"))


@pytest.mark.parametrize(
    ("written", "said"),
    [
        ("developping: [scope_frozen]", "requires for unknown state 'developping'"),
        ("developing: [scope_frozen, sign_off]", "Input should be 'evaluation', 'scope_frozen'"),
    ],
)
def test_a_gate_on_an_unknown_state_or_item_is_named_with_its_line(tmp_path, written, said):
    folder = tmp_path / "rules"
    shutil.copytree(SHIPPED_RULES, folder)
    path = folder / "workflows.yaml"
    path.write_text(path.read_text("utf-8").replace("developing: [scope_frozen]", written), "utf-8")
    with pytest.raises(ConfigError) as raised:
        load_rules(folder)
    line = next(n for n, text in enumerate(path.read_text("utf-8").splitlines(), 1) if written in text)
    assert f"workflows.yaml:{line}:" in str(raised.value) and said in str(raised.value)
