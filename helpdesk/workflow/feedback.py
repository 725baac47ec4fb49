"""Read a customer's confirmation (已解决 / 未解决 / 部分解决) and rating (满意 / 基本满意 / 不满意)
from their own new words, by whole words and phrases, and say why when it cannot be read.

The scorer, line by line:
- each line is cut into tokens: known phrases (answers, labels such as 结果 / rating, fillers
  such as 谢谢 / thanks), numbers, punctuation, and everything else ("other");
- a line of nothing but answers, labels, fillers and the numbers 1–3 (and no "?") is an *answer line*
  ("已解决 满意", "1 1", "结果：1，满意度：2", "一般吧"): all of it counts, and its numbers fill
  the questions the words left open, result first, in the order the resolution mail asks;
- any other line is a sentence, read clause by clause: a clear answer (已解决, 不满意, not
  fixed) counts unless its clause is a question ("is it fixed?") or its sentence a condition
  or an example ("如果还是不行，…", "for example …");
  a weak word (一般, 还行, ok, 好了) counts only in a clause that is nothing but answers and
  only beside a clear answer; a number in a sentence never counts;
- a line that offers several choices with a slash ("已解决 / 未解决") or names all three is our
  own question copied back, and a header line ("主题：问题已解决") is quoted history: never answers;
- a negation outranks: unresolved over partly over resolved, unsatisfied over fair over satisfied.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from helpdesk.mail.message import InboundMessage
from helpdesk.mail.reply import split_reply
from helpdesk.outbound.phrases import ANSWERS
from helpdesk.rules.conditions import normalise

RESULT, RATING = "result", "rating"
# Which answer outranks which: a negation wins over a positive word.
_RANK = {
    RESULT: ("unresolved", "partial", "resolved"),
    RATING: ("unsatisfied", "fair", "satisfied"),
}
RESULT_BY_NUMBER = {"1": "resolved", "2": "unresolved", "3": "partial"}
RATING_BY_NUMBER = {"1": "satisfied", "2": "fair", "3": "unsatisfied"}

# (slot, value) → (clear phrases, weak phrases). Weak ones count only as an answer.
_ANSWERS: dict[tuple[str, str], tuple[str, str]] = {
    (RESULT, "unresolved"): (
        "未解决|没有解决|没解决|仍未解决|还没解决|还没有解决|尚未解决|并未解决|没能解决|解决不了|"
        "还是不行|仍然不行|依然不行|依旧不行|还是不能用|还是用不了|问题依旧|依旧存在|问题仍然存在|仍然存在|"
        "依然存在|问题还在|仍然报错|依然报错|还是报错|还在报错|又报错了|还是一样|还是老样子|不行|没好|"
        "还没好|没用|无效|未修复|没有修复|没修复|验收不通过|未通过验收|验收未通过|未通过|不通过|"
        "not resolved|unresolved|isn't resolved|is not resolved|not solved|unsolved|not fixed|"
        "isn't fixed|wasn't fixed|still broken|doesn't work|does not work|didn't work|did not work|"
        "still not working|not working|still failing|still fails|same error|same problem|same issue|"
        "still happening|still happens|still the same|still getting the error|no luck|not accepted",
        "还没|not yet",
    ),
    (RESULT, "partial"): (
        "部分解决|部分已解决|解决了一部分|解决了部分|只解决了一部分|部分修复|部分通过|"
        "partly resolved|partially resolved|partly solved|partially solved|partly fixed|partially fixed|"
        "partly accepted|partially accepted",
        "部分|partly|partially",
    ),
    (RESULT, "resolved"): (
        "已解决|已经解决|解决了|问题解决|已修复|已经修复|修复了|已恢复|恢复正常|正常了|没问题了|"
        "可以正常使用|能用了|可以用了|验收通过|通过验收|已验收|accepted|"
        "resolved|solved|fixed|works now|it works|working now|works fine|working fine|all good|sorted",
        "好了|可以了|搞定了|搞定|works|working",
    ),
    (RATING, "unsatisfied"): (
        "不满意|很不满意|非常不满意|不太满意|不是很满意|不大满意|差评|很失望|"
        "not satisfied|unsatisfied|dissatisfied|not happy|unhappy|disappointed|not pleased",
        "差|很差|太差|不好|bad|poor|terrible|awful",
    ),
    (RATING, "fair"): (
        "基本满意|还算满意|比较满意|一般满意|"
        "fairly satisfied|somewhat satisfied|quite satisfied|partly satisfied|moderately satisfied",
        "一般|还行|还可以|凑合|马马虎虎|ok|okay|fine|so-so|average|fair",
    ),
    (RATING, "satisfied"): (
        "满意|很满意|非常满意|十分满意|特别满意|好评|"
        "satisfied|very satisfied|extremely satisfied|completely satisfied|happy with|very happy|"
        "delighted|excellent service|great service|great support",
        "很好|非常好|不错|很棒|棒|赞|good|great|perfect|excellent|awesome|👍",
    ),
}
# Labels say which question the next number answers; fillers carry no answer.
_LABELS = {
    RESULT: "结果|处理结果|result",
    RATING: "满意度|满意程度|评价|评分|rating|satisfaction",
}
_FILLERS = (
    "谢谢|谢谢你|谢谢你们|谢谢您|多谢|感谢|非常感谢|辛苦了|辛苦|您好|你好|你们好|好的|嗯|嗯嗯|是的|对|"
    "了|啦|的|吧|哈|哈哈|呢|哦|噢|呀|目前|现在|问题|这个问题|工单|服务|回复|确认|我|我们|这边|我这边|"
    "都|也|很|非常|总体|整体|本次|这次|处理|"
    "thanks|thank you|thank you very much|thanks a lot|many thanks|thx|cheers|hi|hello|dear|team|"
    "support|yes|yep|yeah|the|it|it's|its|is|was|has|been|now|all|problem|issue|ticket|my|our|and|"
    "i|i'm|am|we|we're|are|confirmed|confirm|regards|best regards|kind regards|best|so|very|with|"
    "your|you|help|service|for|a|an|of|this|that"
)
_QUESTION = re.compile(r"吗|么|是否|为什么|为何|怎么|能否|可否|有没有|\b(why|whether|how|did you|can you)\b")
# Conditions, examples and requests name an answer without giving it.
_HYPOTHETICAL = re.compile(
    r"如果|要是|万一|假如|若|的话|否则|例如|比如|请回复|请确认"
    r"|\b(if|unless|in case|e\.g|for example|such as|please reply|please confirm)\b"
)
# Words that take back or qualify a "resolved": a reply with one of them never closes a ticket
# by itself (it is asked again, and the owner reads it) — "已解决了一部分，还有问题",
# "暂时解决了", "not sure it's fixed", "fixed, but it came back".
_HEDGE = re.compile(
    r"一部分|一半|暂时|好像|貌似|似乎|大概|可能|应该.{0,6}吧|还有.{0,4}问题|又.{0,2}(出现|坏|报错|不行)"
    r"|但是|但|不过|可是|才怪|寂寞|谁说|不能说|无法确认|不确定|不是已|基本解决|再看看|观察一下"
    r"|\bnot (sure|completely|entirely|quite|fully|really|yet)\b|\bmostly\b|\bpartly\b|\bpartially\b"
    r"|\bbut\b|\bagain\b|came back|\(not\)|\bnot\b\s*$|- ?not\b|wouldn'?t say|can'?t say|cannot say"
    r"|\bhardly\b|no longer|\bmaybe\b|\bperhaps\b|\bseems?\b|for now|temporar|for (user|some)\b",
    re.IGNORECASE,
)
_HEADER_LINE = re.compile(r"^\W*(主题|主旨|subject|发件人|from|收件人|to|抄送|cc|发送时间|sent|date)\s*:")
_CLAUSE_END = frozenset(",.;!?。;、\n")
_SENTENCE_END = frozenset(".;!?。")
_CJK_GAP = re.compile(r"(?<=[^\x00-\x7f]) (?=[^\x00-\x7f])")


@dataclass(frozen=True)
class _Token:
    kind: str  # clear, weak, label, filler, number, punct, other
    text: str
    slot: str = ""
    value: str = ""


def _phrase(phrase: str) -> str:
    """A phrase as a pattern; one that starts or ends in a Latin letter is bounded by word edges."""
    pattern = re.escape(phrase)
    if phrase[0].isascii() and phrase[0].isalnum():
        pattern = r"(?<![a-z0-9'])" + pattern
    if phrase[-1].isascii() and phrase[-1].isalnum():
        pattern += r"(?![a-z0-9])"
    return pattern


def _vocabulary() -> tuple[re.Pattern[str], dict[str, _Token]]:
    known: dict[str, _Token] = {}
    for (slot, value), (clear, weak) in _ANSWERS.items():
        for kind, phrases in (("clear", clear), ("weak", weak)):
            for phrase in phrases.split("|"):
                known[phrase] = _Token(kind, phrase, slot, value)
    for slot, phrases in _LABELS.items():
        for phrase in phrases.split("|"):
            known[phrase] = _Token("label", phrase, slot)
    for phrase in _FILLERS.split("|"):
        known.setdefault(phrase, _Token("filler", phrase))
    # Longest first, so at each place the longest phrase wins: 不满意 before 满意.
    alternatives = "|".join(_phrase(p) for p in sorted(known, key=len, reverse=True))
    pattern = re.compile(rf"(?P<phrase>{alternatives})|(?P<number>\d+(?:[.:]\d+)*)|(?P<punct>[\W_])")
    return pattern, known


_PATTERN, _KNOWN = _vocabulary()


def _tokens(line: str) -> list[_Token]:
    """Known phrases, numbers and punctuation; what lies between them is "other"."""
    tokens: list[_Token] = []
    at = 0
    for found in _PATTERN.finditer(line):
        if line[at : found.start()].strip():
            tokens.append(_Token("other", line[at : found.start()].strip()))
        at = found.end()
        if found.group("phrase"):
            tokens.append(_KNOWN[found.group("phrase")])
        elif found.group("number"):
            number = found.group("number")
            tokens.append(_Token("number", number) if number in "123" else _Token("other", number))
        elif not found.group("punct").isspace():
            tokens.append(_Token("punct", found.group("punct")))
    if line[at:].strip():
        tokens.append(_Token("other", line[at:].strip()))
    return tokens


@dataclass(frozen=True)
class Feedback:
    """What the customer answered; `why` says why nothing could be read, `read` what counted."""

    result: str | None
    rating: str | None
    why: str = ""
    read: tuple[str, ...] = ()

    @property
    def understood(self) -> bool:
        return self.result is not None or self.rating is not None

    def describe(self, language: str) -> str:
        """The customer's answer in words, e.g. "客户反馈：未解决，不满意"."""
        said = [LABELS[v][language] for v in (self.result, self.rating) if v]
        return (
            ("客户反馈：" + "，".join(said))
            if language == "zh"
            else ("the customer says: " + ", ".join(said))
        )

    @property
    def happy(self) -> bool:
        """Resolved (or not said) and satisfied or fairly satisfied (or not said), but something said."""
        return (
            self.understood
            and self.result in (None, "resolved")
            and self.rating in (None, "satisfied", "fair")
        )


# The answers' words in each language (record_text and the reopened mail show them).
LABELS = ANSWERS


def own_words(mail: InboundMessage) -> str:
    """The customer's new text; the whole text only for a plain mail with nothing quoted in it."""
    if mail.new_text.strip():
        return mail.new_text
    if mail.text.strip() and not mail.html and split_reply(mail.text) == mail.text.strip():
        return mail.text
    return ""


class _Reading:
    """The answers found so far, and notes on what was seen but did not count."""

    def __init__(self) -> None:
        self.clear: list[_Token] = []
        self.weak: list[_Token] = []  # from answer lines: they count
        self.beside: list[_Token] = []  # from answer clauses in sentences: only beside a clear one
        self.numbers: list[tuple[str, str]] = []  # (number, label slot or "")
        self.notes: list[str] = []

    def note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)

    def line(self, tokens: list[_Token]) -> None:
        answers = [t for t in tokens if t.kind in ("clear", "weak")]
        offered = {(t.slot, t.value) for t in answers}
        named = {slot: {v for s, v in offered if s == slot} for slot in _RANK}
        several = len(offered) > len({slot for slot, _ in offered})
        if (several and any(t.text == "/" for t in tokens)) or any(len(named[s]) == 3 for s in _RANK):
            self.note("a line offering several choices is our question copied back, not an answer")
            return
        if not any(t.kind == "other" or t.text == "?" for t in tokens):
            self._answer_line(tokens)
            return
        hypothetical = False  # a condition or an example governs the rest of its sentence
        for clause, end in _clauses(tokens):
            text = _CJK_GAP.sub("", " ".join(t.text for t in clause))
            hypothetical = hypothetical or bool(_HYPOTHETICAL.search(text))
            self._clause(clause, text, end, hypothetical)
            hypothetical = hypothetical and end not in _SENTENCE_END

    def _answer_line(self, tokens: list[_Token]) -> None:
        label = ""
        for token in tokens:
            if token.kind == "clear":
                self.clear.append(token)
            elif token.kind == "weak":
                self.weak.append(token)
            elif token.kind == "label":
                label = token.slot
            elif token.kind == "number":
                self.numbers.append((token.text, label))
                label = ""

    def _clause(self, clause: list[_Token], text: str, end: str, hypothetical: bool) -> None:
        answers = [t for t in clause if t.kind in ("clear", "weak")]
        if answers and (end == "?" or _QUESTION.search(text)):
            self.note(f"a question is not an answer: {text!r}")
            return
        if answers and hypothetical:
            self.note(f"a condition or an example is not an answer: {text!r}")
            return
        self.clear.extend(t for t in answers if t.kind == "clear")
        weak = [t for t in answers if t.kind == "weak"]
        if weak and not any(t.kind == "other" for t in clause):
            self.beside.extend(weak)
        elif weak:
            self.note(f"{weak[0].text!r} counts only as an answer, not inside a sentence: {text!r}")
        if any(t.kind == "number" for t in clause):
            self.note(f"a number inside a sentence is not an answer: {text!r}")

    def feedback(self) -> Feedback:
        counted = self.clear + self.weak + (self.beside if self.clear else [])
        if self.beside and not counted:
            self.note(f"{self.beside[0].text!r} beside other words is not a clear answer")
        chosen = {slot: [t.value for t in counted if t.slot == slot] for slot in _RANK}
        read = [f"{t.text} → {t.value}" for t in counted]
        open_slots = [slot for slot in _RANK if not chosen[slot]]
        labelled = [(n, slot) for n, slot in self.numbers if slot]
        plain = [n for n, slot in self.numbers if not slot]
        for slot in {slot for _, slot in labelled}:
            open_slots = [s for s in open_slots if s != slot]
        if len(plain) > len(open_slots) or len(labelled) > len({slot for _, slot in labelled}):
            self.note(f"more numbers than questions: {' '.join(n for n, _ in self.numbers)}")
        else:
            for number, slot in labelled + list(zip(plain, open_slots, strict=False)):
                value = (RESULT_BY_NUMBER if slot == RESULT else RATING_BY_NUMBER)[number]
                chosen[slot].append(value)
                read.append(f"{number} → {slot} {value}")
        result, rating = (next((v for v in _RANK[s] if v in chosen[s]), None) for s in (RESULT, RATING))
        if result or rating:
            return Feedback(result, rating, read=tuple(read))
        return Feedback(None, None, why="; ".join(self.notes) or "no confirmation or rating in the words")


def _clauses(tokens: list[_Token]) -> list[tuple[list[_Token], str]]:
    """The tokens cut at clause-ending punctuation, each with the mark that ended it."""
    clauses, current = [], []
    for token in tokens:
        if token.kind == "punct" and token.text in _CLAUSE_END:
            if current:
                clauses.append((current, token.text))
            current = []
        else:
            current.append(token)
    if current:
        clauses.append((current, ""))
    return clauses


def read_feedback(text: str) -> Feedback:
    """The confirmation and rating in `text` (the customer's own words), or why there is none."""
    words = normalise(text).replace("’", "'").replace("／", "/")
    reading = _Reading()
    lines = [line for line in words.splitlines() if line.strip()]
    if not lines:
        return Feedback(None, None, why="no new words: the reply only quotes earlier mail")
    for line in lines:
        if _HEADER_LINE.match(line):
            reading.note("a mail header line (主题: / subject:) is quoted history, not an answer")
        else:
            reading.line(_tokens(line))
    feedback = reading.feedback()
    hedge = _HEDGE.search(words) if feedback.happy else None
    if hedge:  # closing on a qualified "yes" loses the report: ask again instead
        return Feedback(None, None, why=f"{hedge.group(0)!r} qualifies the answer: not a clear confirmation")
    return feedback
