"""Read address headers as RFC 5322 on the undecoded value first, then decode each display name.

Decoding RFC 2047 words before parsing lets a name such as
`=?utf-8?q?Wang_Wei_=3Cwang.wei@example.com=3E?= <attacker@evil.example>` choose the
address, and an encoded CR/LF smuggle a header; here the address comes from the raw
structure only, and a name stays text, with control characters neutralised.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from helpdesk.mail.charsets import WORD as _WORD
from helpdesk.mail.charsets import decode_raw_header, decode_words, neutralise
from helpdesk.mail.message import Address

_SPECIALS = frozenset('<>,:;@"()[]\\')
_LOCAL = re.compile(r"^[^\s\"(),:;<>@\[\\\]\x00-\x1f\x7f]+$")
_DOMAIN = re.compile(r"^[^\s\"(),:;<>@\[\\\]\x00-\x1f\x7f.]+(\.[^\s\"(),:;<>@\[\\\]\x00-\x1f\x7f.]+)*$")


@dataclass(frozen=True)
class _Token:
    kind: str  # "atom", "quoted", "comment", "literal", "special", "space", "broken"
    text: str


@dataclass(frozen=True)
class AddressList:
    """The mailboxes of one or more headers, and what could not be read as a mailbox."""

    addresses: tuple[Address, ...]
    problems: tuple[str, ...]


def parse_address_headers(values: list[str]) -> AddressList:
    """Every mailbox in the raw (undecoded) values of one address header, in order."""
    addresses: list[Address] = []
    problems: list[str] = []
    for value in values:
        found = parse_address_list(_unfold(value))
        addresses.extend(found.addresses)
        problems.extend(found.problems)
    return AddressList(tuple(addresses), tuple(problems))


def parse_address_list(value: str) -> AddressList:
    """The mailboxes of one raw address-list value; group names are dropped, their members kept."""
    addresses: list[Address] = []
    problems: list[str] = []
    element: list[_Token] = []
    depth = 0
    for token in [*_tokens(value), _Token("special", ",")]:
        if token.kind == "special" and token.text in "<>":
            depth += 1 if token.text == "<" else -1
        ends = token.kind == "special" and depth <= 0 and token.text in ",;"
        if token.kind == "special" and depth <= 0 and token.text == ":":
            # "Team: a@x, b@y;" — a group's name is a phrase, never an address.
            if any(t.kind in ("special", "literal", "broken") and t.text != "." for t in element):
                problems.append(f"not a group name: {''.join(t.text for t in element).strip()[:120]!r}")
            element = []
            continue
        if not ends:
            element.append(token)
            continue
        if any(t.kind != "space" and t.kind != "comment" for t in element):
            mailbox = _mailbox(element)
            if isinstance(mailbox, Address):
                addresses.append(mailbox)
            else:
                problems.append(mailbox)
        element, depth = [], 0
    return AddressList(tuple(addresses), tuple(problems))


def quoted_name(address: Address) -> str:
    """`address` as one unambiguous mailbox: the name quoted whenever it holds a special character."""
    if not address.name:
        return address.email
    name = address.name
    if any(ch in _SPECIALS or ch == "." for ch in name):
        name = '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return f"{name} <{address.email}>"


def _unfold(value: str) -> str:
    """One logical line; raw 8-bit bytes (no RFC 2047) are read by their detected charset first."""
    text = re.sub(r"\r?\n(?=[ \t])", "", value)
    if any("\udc80" <= ch <= "\udcff" for ch in text):
        text = decode_raw_header(text.encode("utf-8", "surrogateescape"))
    return text


def _tokens(value: str) -> list[_Token]:
    """Split a raw address list into RFC 5322 lexical tokens, in one pass."""
    tokens: list[_Token] = []
    index, size = 0, len(value)
    while index < size:
        ch = value[index]
        if ch in " \t\r\n":
            end = index
            while end < size and value[end] in " \t\r\n":
                end += 1
            tokens.append(_Token("space", " "))
        elif ch == '"':
            text, end = _delimited(value, index + 1, '"')
            tokens.append(_Token("quoted" if end <= size else "broken", text))
        elif ch == "(":
            text, end = _comment(value, index + 1)
            tokens.append(_Token("comment" if end <= size else "broken", text))
        elif ch == "[":
            text, end = _delimited(value, index + 1, "]")
            tokens.append(_Token("literal" if end <= size else "broken", f"[{text}]"))
        elif ch == "=" and (word := _WORD.match(value, index)):
            # An encoded word is one atom: its "<", "@" or ":" are text, never structure.
            end = word.end()
            tokens.append(_Token("atom", word.group(0)))
        elif ch in "<>,:;@.)":
            end = index + 1
            tokens.append(_Token("broken" if ch == ")" else "special", ch))
        else:
            end = index
            while end < size and value[end] not in _SPECIALS and value[end] not in " \t\r\n.":
                end += 1
                if value.startswith("=?", end):
                    break
            tokens.append(_Token("atom", value[index:end]))
        index = end
    return tokens


def _delimited(value: str, start: int, close: str) -> tuple[str, int]:
    """Text up to the unescaped `close`, and the index after it (past the end when unclosed)."""
    out: list[str] = []
    index = start
    while index < len(value):
        ch = value[index]
        if ch == "\\" and index + 1 < len(value):
            out.append(value[index + 1])
            index += 2
            continue
        if ch == close:
            return "".join(out), index + 1
        out.append(ch)
        index += 1
    return "".join(out), len(value) + 1


def _comment(value: str, start: int) -> tuple[str, int]:
    """A comment's text (nesting allowed), and the index after its closing parenthesis."""
    out: list[str] = []
    depth, index = 1, start
    while index < len(value):
        ch = value[index]
        if ch == "\\" and index + 1 < len(value):
            out.append(value[index + 1])
            index += 2
            continue
        depth += {"(": 1, ")": -1}.get(ch, 0)
        if depth == 0:
            return "".join(out), index + 1
        out.append(ch)
        index += 1
    return "".join(out), len(value) + 1


def _mailbox(tokens: list[_Token]) -> Address | str:
    """One name-addr or addr-spec as an Address, or the reason it is none."""
    shown = "".join(t.text for t in tokens).strip()[:120]
    if any(t.kind == "broken" for t in tokens):
        return f"unbalanced quote, comment or bracket in {shown!r}"
    opens = [i for i, t in enumerate(tokens) if t.kind == "special" and t.text == "<"]
    closes = [i for i, t in enumerate(tokens) if t.kind == "special" and t.text == ">"]
    comments = [t.text for t in tokens if t.kind == "comment"]
    if not opens and not closes:
        email = _addr_spec(tokens)
        if email is None:
            return f"not an address: {shown!r}"
        return Address(_name(tokens, comments_only=True) if comments else "", email)
    if len(opens) != 1 or len(closes) != 1 or closes[0] < opens[0]:
        return f"more or fewer than one <address> in {shown!r}"
    after = tokens[closes[0] + 1 :]
    if any(t.kind not in ("space", "comment") for t in after):
        return f"text after the <address> in {shown!r}"
    inner = tokens[opens[0] + 1 : closes[0]]
    route = [i for i, t in enumerate(inner) if t.kind == "special" and t.text == ":"]
    email = _addr_spec(inner[route[-1] + 1 :] if route else inner)  # obsolete source route dropped
    if email is None:
        return f"not an address: {shown!r}"
    return Address(_name(tokens[: opens[0]], comments_only=False), email)


def _addr_spec(tokens: list[_Token]) -> str | None:
    """local@domain from the tokens (spaces and comments between them allowed), lower-cased."""
    words = [t for t in tokens if t.kind not in ("space", "comment")]
    ats = [i for i, t in enumerate(words) if t.kind == "special" and t.text == "@"]
    if len(ats) != 1 or any(t.kind == "special" and t.text not in "@." for t in words):
        return None
    local_tokens, domain_tokens = words[: ats[0]], words[ats[0] + 1 :]
    local = "".join(f'"{t.text}"' if t.kind == "quoted" else t.text for t in local_tokens)
    domain = "".join(t.text for t in domain_tokens)
    if not local or not domain or any(t.kind == "quoted" for t in domain_tokens):
        return None
    if all(t.kind != "quoted" for t in local_tokens):
        if not _LOCAL.match(local) or ".." in local or local.startswith(".") or local.endswith("."):
            return None
    elif any(ch < " " or ch == "\x7f" for ch in local):
        return None
    if not (domain.startswith("[") and domain.endswith("]") and len(domain_tokens) == 1) and not (
        _DOMAIN.match(domain)
    ):
        return None
    return f"{local}@{domain}".lower()


def _name(tokens: list[_Token], comments_only: bool) -> str:
    """The display name: RFC 2047 words decoded only now, after the address was fixed."""
    parts: list[str] = []
    for token in tokens:
        if comments_only and token.kind != "comment":
            continue
        if token.kind in ("atom", "quoted", "comment") or (token.kind == "special" and token.text == "."):
            parts.append(token.text)
        elif token.kind == "space" and parts:
            parts.append(" ")
    return neutralise(decode_words("".join(parts)))
