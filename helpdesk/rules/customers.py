"""customers.yaml: the mail domains of known customers and the company each stands for.

A report that names no company of its own (no "公司：" label, no company in the signature) is
recorded as the company of its sender's domain; a sub-domain counts as its parent
(li@mail.huaxin-tech.cn is 华信科技有限公司's when huaxin-tech.cn is listed).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from pydantic import BaseModel, ConfigDict

CUSTOMERS = "customers.yaml"
_DOMAIN = re.compile(r"^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}$")


class CustomerFile(BaseModel):
    """The file's shape: `customers: {domain: company name}`."""

    model_config = ConfigDict(extra="forbid")
    customers: dict[str, str] = {}


def check_customers(found: CustomerFile, at: Callable[..., None]) -> None:
    """Each key a mail domain in lower case, each company named."""
    for domain, name in found.customers.items():
        if not _DOMAIN.match(domain):
            at("customers", domain, f"customers: {domain!r} is not a mail domain in lower case (a.cn)")
        if not name.strip():
            at("customers", domain, f"customers: {domain!r} names no company")
