"""A fault goes from the customer's mail to the archive over the real IMAP and SMTP servers; then
`helpdesk search` finds it in Chinese and in English, and never shows the planted ID or card number."""

from __future__ import annotations

import json

from click.testing import CliRunner

from helpdesk.cli import main
from helpdesk.clock import ManualClock
from helpdesk.daemon import Helpdesk
from helpdesk.demo import customer_mail
from tests.conftest import SHIPPED_RULES
from tests.test_workflow import CUSTOMER, START, mails_to, reply, ticket_now

ID_NUMBER = "110105199003071239"
CARD = "6222 0210 0000 0000 017"
REPORT = (
    f"三楼的打印机经常卡纸，打十几页就卡一次。我的身份证 {ID_NUMBER}，报销卡号 {CARD}。\n"
    "今天 9:05 起提示“进纸错误”。版本 3.2.1\n操作步骤：\n1. 打印二十页\n2. 第十几页卡住"
)
ENGINEERS = {"wang.wei": "wang.wei@example.com", "zhang.min": "zhang.min@example.com"}


def _search(config_path, *args: str) -> str:
    result = CliRunner().invoke(main, ["--config", str(config_path), "search", *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def _no_secrets(output: str) -> None:
    for planted in (ID_NUMBER, CARD, CARD.replace(" ", ""), "0307123", "00000000"):
        assert planted not in output


def test_an_archived_fault_is_found_in_both_languages_without_its_secrets(
    make_config, db_url, account, smtp, tmp_path
):
    config = make_config(db_url, rules=SHIPPED_RULES)
    app = Helpdesk(config, clock=ManualClock(START))
    try:
        account.deliver(customer_mail(CUSTOMER, "打印机经常卡纸 printer paper jam", REPORT))
        app.run_once()
        owner = ENGINEERS[ticket_now(app).owner]
        [notice] = mails_to(smtp, owner)
        answer = "#solution 更换了搓纸轮 replaced the pickup roller\n\n请再试一次。"
        account.deliver(reply(notice, owner, "Re: [RESOLVED] ", answer))
        app.run_once()
        resolution = mails_to(smtp, "li.lei@example.cn")[-1]
        account.deliver(reply(resolution, CUSTOMER, "回复：", "已解决，满意，谢谢！"))
        app.run_once()
        ticket = ticket_now(app)
    finally:
        app.close()
    assert ticket.status == "closed"
    path = tmp_path / "helpdesk.yaml"

    chinese = _search(path, "卡纸")
    assert ticket.number in chinese and "[知识]" in chinese and "更换了搓纸轮" in chinese
    assert "已关闭" in chinese and "knowledge" not in chinese
    _no_secrets(chinese)
    _no_secrets(_search(path, ID_NUMBER))  # asking for the number itself shows it nowhere
    rows = json.loads(_search(path, "打印", "--json"))
    assert [r["number"] for r in rows] == [ticket.number] and rows[0]["entry"]["satisfaction"] == "satisfied"
    _no_secrets(json.dumps(rows, ensure_ascii=False))

    make_config(db_url, rules=SHIPPED_RULES, default_language="en")  # the operator reads English
    english = _search(path, "pickup roller")
    assert ticket.number in english and "[knowledge]" in english and "Closed" in english
    assert "知识" not in english.replace("更换了搓纸轮", "")
    _no_secrets(english)
    only_tickets = _search(path, "printer", "--kind", "ticket")
    assert "[ticket]" in only_tickets and "[knowledge]" not in only_tickets
    assert "no ticket or knowledge entry matches 'scanner'" in _search(path, "scanner")
