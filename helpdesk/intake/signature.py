"""Who wrote the mail, from its closing lines: company, department, and the company of a domain.

The closing lines are the last lines of the new text ("王芳 / 华信科技有限公司 财务部 / 电话：…")
and the signature block below a "-- " or "发自我的…" line, up to the quoted history.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from helpdesk.intake.steps import step_line
from helpdesk.mail.reply import split_reply

CLOSING = 6
_MARKER = re.compile(
    r"^\s*+(?:--|—|__)\s*+$|^\s*+(?:发自|来自|Sent from|Get Outlook|获取\s*+Outlook).{0,40}$", re.I
)
_ZH_COMPANY = re.compile(
    r"[\u4e00-\u9fffA-Za-z0-9（）()·]{2,40}?(?:股份有限公司|有限责任公司|有限公司|集团有限公司|集团|研究院|研究所|医院|大学|学院|学校|中学|小学|银行|事务所|协会)"
    r"(?=$|[\s,，|｜/（(])"
)
_EN_COMPANY = re.compile(
    r"\b[A-Z][\w&'.-]*+(?:\s++[A-Z&][\w&'.-]*+){0,5}?,?\s++(?:Co\.,?\s*+Ltd\.?|Ltd\.?|Limited|Inc\.?|GmbH|LLC"
    r"|Corp\.?|Corporation|PLC|S\.A\.|AG|Pty Ltd|Academy|University|College|School|Hospital|Bank|Institute"
    r"|Foundation|Association|Agency)(?![\w])"
)
_CELL = re.compile(r"\s*+[|｜/，,（）()]\s*+|\t|\s{2,}|(?<=[\u4e00-\u9fff])\s++|\s++(?=[\u4e00-\u9fff])")
_ZH_DEPARTMENT = re.compile(
    r"^(?![全内外总这那本])[\u4e00-\u9fff]{1,12}?(?:事业部|部门|部|中心|科|处|办公室|室|组)$"
)
_EN_DEPARTMENT = re.compile(
    r"^(?!The )(?:(?:[A-Z][a-z]+|IT|HR|R&D)\s++){1,3}(?:Department|Dept\.?|Team|Desk|Division|Office|Unit)$"
    r"|^Department of [A-Z][\w ]+$"
    r"|^(?:(?:IT|HR|R&D|[A-Z][a-z]+)\s++)?(?:Operations|Support|Finance|Sales|Marketing|Legal|Accounting|Procurement"
    r"|Purchasing|Engineering|Logistics|Administration|Human Resources)$"
)
_FORWARDED_FROM = re.compile(
    r"^\s*+\**+\s*+(?:From|发件人|發件人|寄件者)\s*+\**+\s*+[:：][^\n@]{0,200}?([\w.+-]+@[\w-]+(?:\.[\w-]+)+)",
    re.I | re.M,
)
_LABELLED = re.compile(r"^[^\s:：]{1,16}\s*+[:：]")
# A job title after the department: "信息部经理" is of 信息部.
_TITLE = re.compile(
    r"(?<=[部心科处室组])(?:经理|副经理|主管|总监|专员|工程师|助理|负责人|主任|部长|科长|组长|处长)$"
)
_SENTENCE = re.compile(r"[。！？!?]|[.](?=\s)")
_ACTION = re.compile(r"进入|打开|点击|然后|再|到|去|在|从|选择|切换")
_FREE_MAIL = frozenset(
    {
        *("qq.com", "foxmail.com", "163.com", "126.com", "yeah.net", "sina.com", "sina.cn", "sohu.com"),
        *("139.com", "189.cn", "aliyun.com", "gmail.com", "googlemail.com", "outlook.com", "hotmail.com"),
        *("live.com", "msn.com", "yahoo.com", "icloud.com", "me.com", "protonmail.com", "proton.me"),
        *("gmx.de", "gmx.net", "mail.ru", "yandex.ru", "aol.com", "zoho.com"),
    }
)


def signature_block(whole_text: str, new_text: str) -> list[str]:
    """The lines of a signature the reply splitter cut off below the new text, without the history."""
    if not new_text.strip() or not whole_text.startswith(new_text.strip()[:40]):
        return []
    rest = (
        whole_text[whole_text.find(new_text.strip()) + len(new_text.strip()) :].lstrip("\r\n ").splitlines()
    )
    if not rest or not _MARKER.match(rest[0]):
        return []
    return [line for line in split_reply("\n".join(rest[1:])).splitlines() if line.strip()][:CLOSING]


def closing_lines(lines: list[str], block: list[str]) -> list[tuple[str, int]]:
    """The last lines of the text with their numbers, then the signature block's (line 0)."""
    numbered = [(line, number) for number, line in enumerate(lines, 1) if line.strip()]
    return [*numbered[-CLOSING:], *((line, 0) for line in block)]


def company_in_line(line: str) -> str | None:
    """A company named by its legal form ("华信科技有限公司", "Acme Widgets Ltd.") on a signature line."""
    if not _signature_line(line):
        return None
    found = _ZH_COMPANY.search(line) or _EN_COMPANY.search(line)
    return found.group(0).strip() if found else None


def department_in_line(line: str, company: str | None) -> str | None:
    """A department: what follows the company on its line, or a cell like "采购部", "Finance Department"."""
    text = line.strip()
    if company and text.startswith(company):
        rest = text[len(company) :].strip(" ,，|｜/-—")
        if rest and len(rest) <= 30 and not re.search(r"[\d@:：]", rest):
            return rest
    if not _signature_line(text):
        return None
    for cell in _CELL.split(text):
        cell = _TITLE.sub("", cell.strip())
        if (_ZH_DEPARTMENT.match(cell) and not _ACTION.match(cell)) or _EN_DEPARTMENT.match(cell):
            return cell
    return None


def _signature_line(line: str) -> bool:
    """Short, and neither a sentence, a step nor a "label: value" line."""
    text = line.strip()
    return len(text) <= 40 and not (_SENTENCE.search(text) or step_line(text) or _LABELLED.match(text))


def forwarded_sender(text: str) -> str | None:
    """Who reported a forwarded mail: the address in its "From:" / "发件人：" line, when the text opens
    with the forward (a separator line, then the header block)."""
    opening = "\n".join([line for line in text.splitlines() if line.strip()][:2])
    found = _FORWARDED_FROM.search(opening)
    return found.group(1) if found else None


def company_of_domain(email: str, customers: Mapping[str, str]) -> tuple[str, int, str] | None:
    """The company of the sender's domain: named in customers.yaml (a parent domain counts too), else
    the domain itself unless it is a free mail service."""
    domain = email.rpartition("@")[2].lower().strip() if "@" in email else ""
    if not domain:
        return None
    parts = domain.split(".")
    for index in range(len(parts) - 1):
        if (name := customers.get(".".join(parts[index:]))) is not None:
            return name, 0, "customers"
    return (domain, 0, "domain") if domain not in _FREE_MAIL else None
