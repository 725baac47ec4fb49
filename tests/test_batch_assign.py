"""Assignment in a batch: a batch of new mails reads the workload once and counts the tickets it
opens itself, so its owners (round robin in operations, fewest open tickets in R&D) are the ones
the same mails get one transaction each."""

from __future__ import annotations

from sqlalchemy import select

from helpdesk.daemon import Helpdesk
from helpdesk.demo import customer_mail
from helpdesk.pipeline import MailSource
from helpdesk.tickets.models import Ticket
from tests.conftest import SHIPPED_RULES

# Faults go to operations (round robin), development requests to R&D (fewest open tickets); a
# reply in the middle moves its ticket on and makes the next mail read the workload again.
MAILS = [
    ("c1 <c1@example.cn>", "系统无法登录", "今天早上开始无法登录，提示错误 500。"),
    ("c2 <c2@example.cn>", "希望增加导出功能", "我们需要定制开发一个报表导出接口。"),
    ("c3 <c3@example.cn>", "打印服务报错", "打印时报错 E1023，版本 3.2.1。"),
    ("c4 <c4@example.cn>", "新增审批流程", "需要开发新的审批流程功能。"),
    ("c5 <c5@example.cn>", "数据异常", "报表数据不对，系统故障。"),
    ("c6 <c6@example.cn>", "接口对接需求", "需要和 ERP 系统接口对接开发。"),
    ("c7 <c7@example.cn>", "VPN 连不上", "VPN 无法连接，提示超时。"),
]


def owners(app: Helpdesk) -> list[tuple[str, str | None, str | None]]:
    with app.sessions() as session:
        rows = session.execute(select(Ticket.subject, Ticket.team, Ticket.owner).order_by(Ticket.id))
        return [tuple(row) for row in rows]


def mails() -> list[bytes]:
    found = [customer_mail(sender, subject, body) for sender, subject, body in MAILS]
    first_id = found[0].split(b"Message-ID: ")[1].split(b"\n")[0].strip().decode()
    reply = customer_mail("c1 <c1@example.cn>", "Re: 系统无法登录", "还是不行。", In_Reply_To=first_id)
    return [*found[:4], reply, *found[4:]]


def test_a_batch_assigns_as_one_mail_per_transaction_does(make_config, db_url, tmp_path):
    one_by_one = Helpdesk(make_config(db_url, rules=SHIPPED_RULES))
    for uid, raw in enumerate(mails(), 1):
        one_by_one.pipeline.process(raw, MailSource("INBOX", 1, uid))
    expected = owners(one_by_one)
    one_by_one.close()

    batched_config = make_config(f"sqlite:///{tmp_path / 'batched.db'}", rules=SHIPPED_RULES)
    batched = Helpdesk(batched_config)
    outcomes = batched.pipeline.process_batch(
        [(raw, MailSource("INBOX", 1, n)) for n, raw in enumerate(mails(), 1)]
    )
    assert [o.kind for o in outcomes].count("created") == len(MAILS)
    got = owners(batched)
    batched.close()
    assert got == expected
    assert len({owner for _, team, owner in got if team == "operations"}) > 1  # round robin went round
    assert all(owner for _, _, owner in got)
