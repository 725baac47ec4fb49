"""Report and record fields through the real daemon: a customer's mail over IMAP becomes TicketField
rows (value, message, line, source), times resolved in the desk's zone, go-live apart from the fault."""

from __future__ import annotations

from email.message import EmailMessage

import pytest
from sqlalchemy import select

from helpdesk.daemon import Helpdesk
from helpdesk.tickets.models import Ticket, TicketField
from tests.conftest import SHIPPED_RULES


@pytest.fixture
def app(make_config, sqlite_url):
    helpdesk = Helpdesk(make_config(sqlite_url, rules=SHIPPED_RULES))
    yield helpdesk
    helpdesk.close()


def report(sender: str, date: str, body: str) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "support@example.com"
    message["Subject"] = "打印故障"
    message["Date"] = date
    message["Message-ID"] = "<stored-fields@huaxin-tech.cn>"
    message.set_content(body)
    return message.as_bytes()


def stored(app: Helpdesk) -> dict[str, tuple[str, int, str, str]]:
    with app.sessions() as session:
        [ticket] = session.scalars(select(Ticket)).all()
        rows = session.scalars(select(TicketField).where(TicketField.ticket_id == ticket.id))
        return {row.name: (row.value, row.line, row.source, row.message_id) for row in rows}


def test_a_report_fills_its_record_as_field_rows(app, account):
    account.deliver(
        report(
            "陈静 <chen.jing@huaxin-tech.cn>",
            # 21:40 in New York is 10:40 the next morning at the desk (Asia/Shanghai).
            "Mon, 23 Nov 2026 21:40:00 -0500",
            "技术支持你好：\n\n"
            "昨天下午三点左右开始打印一直失败，错误码：0x80070005。\n"
            "版本号是V3.2\n"
            "首先打开客户端，然后点击打印，最后就报错了。\n"
            "影响范围：仓库二楼\n"
            "期望上线时间：2026-12-15\n"
            "期望优先级：P1\n\n"
            "陈静\n华信科技有限公司 信息中心\n手机：13812345678\n",
        )
    )
    app.run_once()
    fields = stored(app)
    mid = "stored-fields@huaxin-tech.cn"
    assert fields["occurred_at"] == ("2026-11-23 15:00", 3, "text", mid)
    assert fields["occurred_at_written"] == ("昨天下午三点左右", 3, "text", mid)
    assert fields["error_message"][:2] == ("0x80070005", 3)
    assert fields["system_version"][:2] == ("V3.2", 4)
    assert fields["steps"][:2] == ("首先打开客户端，然后点击打印，最后就报错了", 5)
    assert fields["impact"][:2] == ("仓库二楼", 6)
    assert fields["expected_live"][:2] == ("2026-12-15", 7)  # never taken for when the fault happened
    assert fields["customer_priority"][:2] == ("P1", 8)
    assert fields["frequency"][0] == "persistent"
    assert fields["company"][:3] == ("华信科技有限公司", 11, "signature")
    assert fields["department"][:3] == ("信息中心", 11, "signature")
    assert fields["phone"][:3] == ("138****5678", 12, "text")  # labelled, if under the name
    assert all("13812345678" not in value for value, *_ in fields.values())
