"""The record's fields read from a customer's mail (issue 13): company, department, phone, impact,
frequency, nature, their own priority and go-live date, in Chinese and English, labelled or not."""

from __future__ import annotations

from email.message import EmailMessage
from zoneinfo import ZoneInfo

import pytest

from helpdesk.intake.extract import read_report
from helpdesk.mail.parse import parse_message
from helpdesk.mail.redact import masked_message, redact_text
from helpdesk.rules.load import load_rules
from tests.conftest import SHIPPED_RULES

FIELDS = load_rules(SHIPPED_RULES).catalog.fields
CUSTOMERS = {"huaxin-tech.cn": "华信科技有限公司", "northwind.example": "Northwind Traders"}


def mail(body: str, sender: str = "王芳 <wang.fang@qq.com>", **headers: str) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "support@example.com"
    message["Subject"] = "问题"
    message["Date"] = headers.pop("Date", "Tue, 24 Nov 2026 10:12:00 +0800")
    message["Message-ID"] = "<record@example.cn>"
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(body)
    return message.as_bytes()


def record(body: str, sender: str = "王芳 <wang.fang@qq.com>", **headers: str) -> dict[str, tuple[str, str]]:
    """Each field found, with where it came from, read from the masked mail as the pipeline reads it."""
    parsed, _ = masked_message(
        parse_message(mail(body, sender, **headers), frozenset({"support@example.com"}))
    )
    found = read_report(FIELDS, parsed, zone=ZoneInfo("Asia/Shanghai"), customers=CUSTOMERS)
    return {name: (hit.value, hit.source) for name, hit in found.items()}


def values(body: str, sender: str = "王芳 <wang.fang@qq.com>") -> dict[str, str]:
    return {name: value for name, (value, _) in record(body, sender).items()}


def test_a_labelled_chinese_request_fills_the_record():
    found = values(
        "公司：华信科技有限公司\n所属部门：财务部\n联系电话：13812345678\n影响范围：全公司约200人\n"
        "出现频率：偶现\n问题性质：性能\n期望优先级：P1\n期望上线时间：2026-12-15"
    )
    assert found["company"] == "华信科技有限公司" and found["department"] == "财务部"
    assert found["phone"] == "138****5678" and found["impact"] == "全公司约200人"
    assert (found["frequency"], found["nature"]) == ("intermittent", "performance")
    assert (found["customer_priority"], found["expected_live"]) == ("P1", "2026-12-15")
    assert "occurred_at" not in found  # the go-live date is no fault time


def test_english_labels():
    found = values(
        "Company: Northwind Traders GmbH\nDepartment: Legal\nPhone: 020-38765432\nImpact: the sales team\n"
        "Frequency: every time\nNature: compatibility\nExpected priority: p2\nGo-live date: Dec 18, 2026"
    )
    assert found["company"] == "Northwind Traders GmbH" and found["department"] == "Legal"
    assert found["phone"] == "020-****5432" and found["impact"] == "the sales team"
    assert (found["frequency"], found["nature"]) == ("persistent", "compatibility")
    assert (found["customer_priority"], found["expected_live"]) == ("P2", "2026-12-18")


def test_several_labels_on_one_line_and_in_a_table():
    found = values("公司：华信科技有限公司 所属部门：财务部\n期望优先级\tP0\n出现频率  持续")
    assert (found["company"], found["department"]) == ("华信科技有限公司", "财务部")
    assert (found["customer_priority"], found["frequency"]) == ("P0", "persistent")


@pytest.mark.parametrize(
    "number", ["13812345678", "138 1234 5678", "+86 138-1234-5678", "１３８１２３４５６７８"]
)
def test_a_mobile_is_stored_masked_exactly_as_the_redaction_masks_it(number):
    phone = values(f"联系电话：{number}")["phone"]
    assert "1234" not in phone and phone.endswith("5678")
    assert phone == redact_text(number).text.strip()


def test_a_landline_or_foreign_number_keeps_its_area_code_and_last_four():
    assert values("电话：0571-87654321")["phone"] == "0571-****4321"
    assert values("Best regards,\nSarah\nPhone: +1 415 555 0134")["phone"] == "+1 41* *** 0134"


def test_an_address_is_no_phone():
    assert "phone" not in values("联系方式：wang.fang@qq.com")


@pytest.mark.parametrize(
    ("said", "frequency"),
    [
        ("偶尔登录不上", "intermittent"),
        ("系统时快时慢", "intermittent"),
        ("It happens sometimes, not always.", "intermittent"),
        ("月报一直导不出来", "persistent"),
        ("装了三次都不行", "persistent"),
        ("The export crashes every time", "persistent"),
    ],
)
def test_frequency_in_words_is_normalised(said, frequency):
    assert values(said)["frequency"] == frequency


def test_staying_fine_all_along_is_no_frequency():
    assert "frequency" not in values("以前一直用得好好的，今天打不开了")


@pytest.mark.parametrize(
    ("said", "nature"),
    [
        ("感觉是性能问题", "performance"),
        ("Looks like a compatibility problem.", "compatibility"),
        ("问题性质：环境", "environment"),
    ],
)
def test_nature(said, nature):
    assert values(said)["nature"] == nature


def test_the_customers_priority_is_kept_as_stated_and_apart_from_ours():
    assert values("这个需求请按P0处理")["customer_priority"] == "P0"
    assert values("紧急程度：高")["customer_priority"] == "高"
    assert "customer_priority" not in values("P3 型号的打印机卡纸")  # a model name, not a priority
    assert "priority" not in values("期望优先级：P1")


def test_go_live_dates_said_in_a_sentence_resolve_forward():
    assert values("财务要求12月31日前上线，否则年结做不了")["expected_live"] == "2026-12-31"
    assert values("希望上线时间：1月10日")["expected_live"] == "2027-01-10"
    assert values("期望上线时间：尽快")["expected_live"] == "尽快"


def test_company_from_label_signature_customers_or_domain():
    assert record("谢谢\n陈静\n成都天府软件股份有限公司 信息中心")["company"] == (
        "成都天府软件股份有限公司",
        "signature",
    )
    assert record("谢谢", "李强 <li.qiang@huaxin-tech.cn>")["company"] == ("华信科技有限公司", "customers")
    assert record("谢谢", "李强 <li.qiang@mail.huaxin-tech.cn>")["company"] == (
        "华信科技有限公司",
        "customers",
    )
    assert record("thanks", "Tom <tom@contoso.example>")["company"] == ("contoso.example", "domain")
    assert "company" not in record("谢谢", "王芳 <wang.fang@qq.com>")  # a free mail service names nobody
    assert (
        record("单位：杭州明远贸易有限公司", "李强 <li.qiang@huaxin-tech.cn>")["company"][0]
        == "杭州明远贸易有限公司"
    )


def test_department_from_the_signature():
    assert values("谢谢\n冯雪 | 采购部 | 186 1234 5678")["department"] == "采购部"
    assert values("Best regards,\nSarah Lee\nFinance Department")["department"] == "Finance Department"
    # What follows the company's name on its line, the company known from customers.yaml.
    found = values("thanks\nGrace\nNorthwind Traders, Finance", "Grace <grace@northwind.example>")
    assert (found["company"], found["department"]) == ("Northwind Traders", "Finance")
    assert "department" not in values("1. 登录系统，进入报表中心\n2. 点击导出")


def test_a_signature_below_dashes_is_read_and_the_history_below_it_never():
    found = values(
        "客户端升级失败，麻烦看下。\n\n-- \n陈静\n华信科技有限公司 信息中心\n电话：010-62345678\n\n"
        "-----原始邮件-----\n发件人: 技术支持 <support@example.com>\n发送时间: 2026年11月23日 10:02\n"
        "主题: 回复\n\n所属部门：运维部\n联系电话：13900001111"
    )
    assert (found["company"], found["department"], found["phone"]) == (
        "华信科技有限公司",
        "信息中心",
        "010-****5678",
    )


def test_a_reply_with_no_new_words_reads_nothing_from_its_quote():
    found = record(
        "\n\n在 2026年11月23日 10:02，技术支持 写道：\n> 请补充：发生时间 例如 2026-11-21 09:05\n"
        "> 系统版本 例如 3.2.1",
        In_Reply_To="<ack@example.com>",
    )
    assert found == {}


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("Hi everyone,\nthe report is attached.", "impact"),
        ("服务器 198.51.100.64 连不上\n谢谢", "phone"),
        ("Thanks for all the time you spent on this.", "frequency"),
        ("The constants in the config look wrong.", "frequency"),
        ("Enjoy 100% fraud protection", "frequency"),
        ("Best regards,\nThe Gmail Team", "department"),
        ("订单金额 137.4182 元\n谢谢", "phone"),
    ],
)
def test_words_that_only_look_like_record_fields(text, field):
    assert field not in values(text)


def test_a_date_at_the_end_of_the_calendar_keeps_the_words_as_written():
    found = record("昨天下午三点左右报错，希望上线时间：1月10日", Date="Fri, 31 Dec 9999 23:59:59 +0000")
    assert found["occurred_at"] == ("昨天下午三点左右", "text") and found["expected_live"][0] == "1月10日"


def test_department_said_in_a_sentence_or_before_a_title():
    assert values("你好，我是质检部的郭静，申请开通报表权限")["department"] == "质检部"
    assert values("请尽快处理\n吴刚  信息部经理\n手机：139 8765 4321")["department"] == "信息部"
    assert values("Thanks\nKen Adams\nFinance Systems Team")["department"] == "Finance Systems Team"
    assert (
        values("Hi, I'm from the Customer Care team and our exports fail.")["department"]
        == "Customer Care team"
    )


def test_a_go_live_wish_for_next_week_resolves_to_that_day():
    assert values("下周一之前要用")["expected_live"] == "2026-11-30"


def test_a_forwarded_report_is_the_reporters_companys():
    found = record(
        "---------- Forwarded message ---------\nFrom: Ken <ken.adams@huaxin-tech.cn>\n"
        "Date: Mon, 23 Nov 2026 10:30\nSubject: login\n\nSSO fails.",
        "Lucy <lucy.chen@example.com>",
    )
    assert found["company"] == ("华信科技有限公司", "customers")


def test_an_answer_never_names_the_company_by_its_domain():
    """The report stated the company; the answer to our question must not replace it by the domain's."""
    found = record("版本是3.2.1", "李强 <li.qiang@huaxin-tech.cn>", In_Reply_To="<ack@example.com>")
    assert found == {"system_version": ("3.2.1", "text")}


@pytest.mark.parametrize(
    ("said", "day"),
    [("月底前必须把这批保单录完", "2026-11-30"), ("Can we add 10 more before 12/15/2026?", "2026-12-15")],
)
def test_a_limit_ahead_of_the_mail_is_the_wanted_date(said, day):
    assert values(said)["expected_live"] == day


def test_a_limit_already_past_is_no_wanted_date():
    assert "expected_live" not in values("This worked before 11/15/2026.")


def test_impact_said_after_affects_and_priority_as_p0():
    assert values("影响所有线上渠道出单")["impact"] == "所有线上渠道出单"
    assert values("It affects all our branches in Europe.")["impact"] == "all our branches in Europe"
    assert values("Please treat this as P0.")["customer_priority"] == "P0"
    assert values("接口从今天 9:40 开始一直返回 HTTP 500")["frequency"] == "persistent"


def test_an_international_number_on_its_own_signature_line():
    assert values("Thanks\nDan White\n+44 20 7946 0958")["phone"] == "+44 20 **** 0958"
    assert "phone" not in values("Build +44 20 7946 0958 failed")  # not a signature line of its own


def test_who_cannot_work_and_a_wish_with_its_date_in_brackets():
    assert values("半小时前开始学生都进不了直播间")["impact"] == "学生"
    assert values("the calendar shows an error for every teacher")["impact"] == "every teacher"
    assert values("希望下学期开学前（2027年2月20日）上线。")["expected_live"] == "2027-02-20"
    assert values("换了电脑还是一样")["frequency"] == "persistent"


def test_an_organisation_and_a_department_without_a_legal_form():
    found = values(
        "Thanks,\nRachel Moore\nIT Operations\nBrightPath Academy", "Rachel <r@brightpath.example>"
    )
    assert (found["company"], found["department"]) == ("BrightPath Academy", "IT Operations")


def test_now_and_then_beats_still_failing_and_labels_without_a_colon():
    found = values(
        "柜面系统打印凭条一直失败。\n这个问题时不时会出现，重启后能好一阵。\n优先级中等\n电话 0731-85551234"
    )
    assert (found["frequency"], found["customer_priority"]) == ("intermittent", "中等")
    assert found["phone"] == "0731-****1234"
    assert values("happens every few minutes, not all the time")["frequency"] == "intermittent"


def test_a_counted_scope_a_department_in_brackets_and_a_wrapped_nature():
    assert values("目前只影响城东支行的3台柜员机，其他网点正常。")["impact"] == "城东支行的3台柜员机"
    found = values("It affects the 6 people in our Riga office who use Macs.")
    assert found["impact"] == "the 6 people in our Riga office who use Macs"
    assert values("谢谢\n黎明（运营管理部）")["department"] == "运营管理部"
    wrapped = (
        "The scanner is no longer detected by the desktop client, so this looks like a Mac compatibility\n"
        "issue."
    )
    assert values(wrapped)["nature"] == "compatibility"
    assert values("这个需求最晚1月31日要用上")["expected_live"] == "2027-01-31"
