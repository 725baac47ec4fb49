"""privacy.staff_names, end to end over the real servers: with `masked`, no mail to the customer has
an engineer's full name (the owner line, their relayed words and signature), while the engineer's
own mail keeps it; by default (`full`) the customer reads the name."""

from __future__ import annotations

import pytest

from helpdesk.clock import ManualClock
from helpdesk.daemon import Helpdesk
from helpdesk.demo import customer_mail
from helpdesk.outbound.phrases import mask_staff_names, masked_staff_name
from tests.test_attachments_forwarded import rules_for
from tests.test_similar_assignment import STORY as REPORTS
from tests.test_similar_assignment import owner_mail
from tests.test_workflow import START, body, mails_to, reply, ticket_now

WORDS = {
    "zh": "已定位，明天修复。\n\n{name}\n运维组",
    "en": "Found it, the fix comes tomorrow.\n\n{name}\nOperations",
}


@pytest.fixture(params=["zh", "en"])
def language(request) -> str:
    return request.param


def story(make_config, db_url, tmp_path, account, smtp, language, **privacy):
    """The printer report answered by its owner in words and signed; the customer's mails, the
    owner's notice, and the owner's name."""
    config = make_config(
        db_url, rules=rules_for(tmp_path, language), default_language=language, privacy=privacy
    )
    app = Helpdesk(config, clock=ManualClock(START))
    try:
        report = REPORTS[language]
        account.deliver(customer_mail(report["customer"], *report["old"]))
        app.run_once()
        number = ticket_now(app).number
        notice, owner = owner_mail(app, smtp, number)
        name = owner.split(" <")[0]
        account.deliver(reply(notice, owner, "Re: [IN PROGRESS] ", WORDS[language].format(name=name)))
        app.run_once()
        customer = report["customer"].split("<")[1].rstrip(">")
        return mails_to(smtp, customer), notice, name
    finally:
        app.close()


def everything(mail) -> str:
    parts = [p.get_content() for p in mail.walk() if p.get_content_maintype() == "text"]
    return "\n".join([str(mail["Subject"]), *parts])


def test_masked_names_never_reach_the_customer(make_config, db_url, tmp_path, account, smtp, language):
    customer, notice, name = story(
        make_config, db_url, tmp_path, account, smtp, language, staff_names="masked"
    )
    masked = f"{name[0]}工"  # 王伟 is 王工, 张敏 张工, in either language's mail
    assert len(customer) >= 2  # the acknowledgement and the owner's update
    assert all(name not in everything(mail) for mail in customer)
    update = body(customer[-1])
    assert update.count(masked) >= 2  # the owner line and the signature of the relayed words
    assert name in body(notice)  # the engineer's own mail keeps the name


def test_by_default_the_customer_reads_the_full_name(make_config, db_url, tmp_path, account, smtp, language):
    customer, _, name = story(make_config, db_url, tmp_path, account, smtp, language)
    assert name in body(customer[-1]) and f"{name[0]}工" not in body(customer[-1])


def test_masked_forms():
    assert masked_staff_name("王伟", "zh") == masked_staff_name("王伟", "en") == "王工"
    assert masked_staff_name("欧阳明", "zh") == "欧阳工" and masked_staff_name("欧阳", "zh") == "欧工"
    assert masked_staff_name("Emma Brown", "en") == "Engineer Brown"
    assert masked_staff_name("Emma  Brown", "zh") == "Brown工程师"


def test_only_whole_latin_names_are_masked():
    said = "Li fixed it with Emma Brown at Limited Co.; 王伟说已修复。"
    masked = mask_staff_names(said, {"Li", "Emma Brown", "王伟"}, "en")
    assert masked == "Engineer Li fixed it with Engineer Brown at Limited Co.; 王工说已修复。"
