"""Several mailboxes are all ours: in support@, billing@ is no customer and no participant, and mail
from it is our own, as support@'s address is."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from helpdesk.config import load_config
from helpdesk.daemon import Helpdesk
from helpdesk.demo import customer_mail
from helpdesk.tickets.models import Participant, QuarantinedMail
from tests import test_mailboxes
from tests.conftest import use_dovecot
from tests.test_mailboxes import tickets, two_mailboxes, write
from tests.test_staff_trust import OURS_PASS, with_stamps
from tests.test_workflow import COMPLETE, body, mails_to

billing = test_mailboxes.billing  # the billing@ account, a fixture
pytestmark = pytest.mark.skipif(not use_dovecot(), reason="two IMAP accounts need Dovecot")


def test_the_other_mailbox_is_ours_too(tmp_path, sqlite_url, account, billing, smtp):
    path = write(tmp_path, two_mailboxes(tmp_path, sqlite_url, account, billing, smtp))
    app = Helpdesk(load_config(path))
    command = f"#代报 账务中心 <{billing.user}> 电话\n{COMPLETE}"
    account.deliver(
        with_stamps(customer_mail("王伟 <wang.wei@example.com>", "OA 无法登录", command), OURS_PASS)
    )
    app.run_once()
    assert tickets(app) == {} and not mails_to(smtp, billing.user)  # no ticket of billing@'s, no ack
    with app.sessions() as session:
        assert session.scalars(select(QuarantinedMail.stage)).all() == ["on_behalf"]
    [receipt] = mails_to(smtp, "wang.wei@example.com")
    assert f"“{billing.user}”不是客户地址" in body(receipt)

    # A customer copies billing@ in: billing@ is not a participant who may write in the thread.
    account.deliver(customer_mail("李雷 <li.lei@example.cn>", "打印机报错", COMPLETE, Cc=billing.user))
    # billing@'s own mail arriving in support@ (a forward of one of ours) opens no ticket and
    # gets no acknowledgement: we do not answer ourselves.
    account.deliver(customer_mail(f"账务中心 <{billing.user}>", "发票已开具", "您的发票已开具。"))
    app.run_once()
    [ticket] = tickets(app).values()
    assert ticket.requester_email == "li.lei@example.cn"
    with app.sessions() as session:
        who = session.scalars(select(Participant.email).where(Participant.ticket_id == ticket.id)).all()
    assert "li.lei@example.cn" in who and billing.user not in who
    assert not mails_to(smtp, billing.user)
    app.close()
