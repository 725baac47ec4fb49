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
from helpdesk.mail.charsets import decode_raw, decode_words, neutralise
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


def parse_address_headers(values: list[str], hints: tuple[str, ...] = ()) -> AddressList:
    """Every mailbox in the raw (undecoded) values of one address header, in order; raw 8-bit
    bytes are read trying `hints` (the charsets the message declares elsewhere) first."""
    addresses: list[Address] = []
    problems: list[str] = []
    for value in values:
        found = parse_address_list(_unfold(value, hints), hints)
        addresses.extend(found.addresses)
        problems.extend(found.problems)
    return AddressList(tuple(addresses), tuple(problems))


def parse_address_list(value: str, hints: tuple[str, ...] = ()) -> AddressList:
    """The mailboxes of one raw address-list value; group names are dropped, their members kept."""
    addresses: list[Address] = []
    problems: list[str] = []
    element: list[_Token] = []
    depth = 0
    for token in [*_tokens(value), _Token("special", ";")]:  # the end closes the last mailbox
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
            mailbox = _mailbox(element, hints)
            if isinstance(mailbox, Address):
                addresses.append(mailbox)
            elif token.text == "," and all(t.kind in ("atom", "quoted", "space") for t in element):
                # "Doe, John <j@x>" with the name unquoted: the words before the comma are its start.
                element, depth = [*element, _Token("quoted", ",")], 0
                continue
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


def _unfold(value: str, hints: tuple[str, ...]) -> str:
    """One logical line; raw 8-bit bytes outside encoded words are read by their detected charset
    first, those inside a word stay for the word's own charset."""
    return decode_raw(re.sub(r"\r?\n(?=[ \t])", "", value), hints)


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


def _mailbox(tokens: list[_Token], hints: tuple[str, ...]) -> Address | str:
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
        return Address(_name(tokens, True, hints) if comments else "", email)
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
    return Address(_name(tokens[: opens[0]], False, hints), email)


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


def _name(tokens: list[_Token], comments_only: bool, hints: tuple[str, ...]) -> str:
    """The display name, decoded only now that the address is fixed: each word, quoted string and
    comment on its own (RFC 2047 per word, the space between two encoded words dropped), in the
    order written; a comment beside a phrase keeps its parentheses, "@" and "." stay text."""
    parts: list[tuple[str, bool | None]] = []  # (text, whether it is one whole encoded word)
    for token in tokens:
        if comments_only and token.kind != "comment":
            continue
        if token.kind == "comment":
            text = decode_words(token.text, hints)
            parts.append((f" {text} " if comments_only else f" ({text}) ", False))
        elif token.kind in ("atom", "quoted") or (token.kind == "special" and token.text in ".@"):
            whole_word = token.kind == "atom" and bool(_WORD.fullmatch(token.text))
            parts.append((decode_words(token.text, hints), whole_word))
        elif token.kind == "space" and parts:
            parts.append((" ", None))
    kept = [
        text
        for index, (text, word) in enumerate(parts)
        if not (word is None and 0 < index < len(parts) - 1 and parts[index - 1][1] and parts[index + 1][1])
    ]
    return neutralise("".join(kept))
