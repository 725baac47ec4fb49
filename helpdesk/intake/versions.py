"""Version numbers as customers write them: after a label, right after Chinese text, as a build.

"版本号是V3.2", "用的是3.4.2版本", "版本是3.2.1。", "V3.2.1-SP2", "Build 2026.11", "We use 4.2.0.".
Only ASCII letters and digits glue onto a number, so Chinese text next to it never hides it; a
full stop may end the sentence after it. Unlabelled, a number counts when it has three parts or
a v in front (two parts only when we asked for the version), and never when it is an IP address
or the version of someone else's product (a browser, an operating system…).
"""

from __future__ import annotations

import re

_NUMBER = (
    r"(?<![A-Za-z0-9_.])[vV]?\d{1,4}(?:\.\d+){1,3}"
    r"(?:[-_. ]?(?i:beta|rc|build|sp|patch|hotfix)\s*+\d*+)?(?![A-Za-z0-9_]|\.\d)"
)
_BUILD = r"(?<![A-Za-z0-9_])(?i:build)\s*+#?\d+(?:\.\d+)*+(?![A-Za-z0-9_]|\.\d)"
VERSION = re.compile(rf"{_BUILD}|{_NUMBER}")
_THREE_PART = re.compile(
    rf"{_BUILD}|(?<![A-Za-z0-9_.])[vV]?\d{{1,4}}\.\d+\.\d+(?:[-_.](?i:beta|rc|build|sp|patch|hotfix)?\d*+)?"
    r"(?![A-Za-z0-9_]|\.\d)|(?<![A-Za-z0-9_.])[vV]\d+(?:\.\d+)+(?![A-Za-z0-9_]|\.\d)"
)
_IPV4 = re.compile(r"^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$")
# The products whose numbers are not the system's version: what precedes a number names them.
_OTHERS = re.compile(
    r"(?:chrome|edge|firefox|safari|opera|ie|internet explorer|windows|win|ios|ipados|android|macos|os x"
    r"|office|excel|word|wps|java|jdk|jre|python|node(?:\.js)?|php|\.net|mysql|oracle|postgres(?:ql)?"
    r"|sql server|redis|nginx|tomcat|微信|浏览器|谷歌|火狐|操作系统|系统补丁|ip|地址|服务器|\b[245]\d\d)"
    r"[\s:：]*+(?:版本|version|浏览器)?[\s:：是为]*+$",
    re.IGNORECASE,
)
_SEPARATOR = re.compile(
    r"\s*+(?:号)?\s*+(?:[:：=]|是|为|\bis\b|\bnow\b)?\s*+(?:用的是|是)?\s*+", re.IGNORECASE
)


def version_after_label(line: str, at: int) -> str | None:
    """The version right after a label ending at `at` ("版本号是V3.2", "Version: 4.1.", "version is 6.0")."""
    start = _SEPARATOR.match(line, at).end()
    found = VERSION.match(line, start)
    return _clean(found.group(0)) if found else None


def version_in(line: str, asked: bool, previous: str = "") -> str | None:
    """A version number written without a label; two-part numbers only when we asked for it.

    `previous` is the line above, whose end may name the product the number belongs to.
    """
    for found in (VERSION if asked else _THREE_PART).finditer(line):
        value = found.group(0)
        before = (previous[-24:] + " " + line[: found.start()])[-24:]
        if _IPV4.match(value) or _OTHERS.search(before):
            continue
        return _clean(value)
    return None


def _clean(value: str) -> str:
    """'Build 2026.11' keeps its word; a number keeps its suffix but no trailing separator."""
    return value.strip(" .-_")
