"""Search results as the operator reads them: in the desk's language, as JSON, masked once more."""

from __future__ import annotations

from datetime import tzinfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from helpdesk.knowledge.documents import KNOWLEDGE
from helpdesk.knowledge.entry import TEXTS, masked
from helpdesk.knowledge.search import Hit
from helpdesk.rules.ruleset import RuleSet
from helpdesk.tickets.models_knowledge import KnowledgeEntry

WORDS = {
    "zh": {
        "knowledge": "知识",
        "ticket": "工单",
        "match": "匹配",
        "customer": "客户",
        "symptoms": "现象",
        "cause": "原因",
        "solution": "解决方案",
        "review": "复盘",
        "version": "版本",
        "satisfaction": "满意度",
        "attachments": "附件",
        "found": "找到 {count} 条（知识 {entries}，工单 {tickets}）",
        "none": "没有找到与“{query}”相符的工单或知识条目",
        "reindexed": "已重建搜索索引：{tickets} 张工单，{entries} 条知识",
        "stale": "注意：无法更新搜索索引（{error}），结果可能不含最近的变化",
    },
    "en": {
        "knowledge": "knowledge",
        "ticket": "ticket",
        "match": "match",
        "customer": "customer",
        "symptoms": "symptoms",
        "cause": "cause",
        "solution": "solution",
        "review": "review",
        "version": "version",
        "satisfaction": "satisfaction",
        "attachments": "attachments",
        "found": "found {count} ({entries} knowledge, {tickets} tickets)",
        "none": "no ticket or knowledge entry matches '{query}'",
        "reindexed": "search index rebuilt: {tickets} tickets, {entries} knowledge entries",
        "stale": "note: the search index is not up to date ({error}); recent changes may be missing",
    },
}
SATISFACTION = {
    "satisfied": {"zh": "满意", "en": "satisfied"},
    "fair": {"zh": "基本满意", "en": "fairly satisfied"},
    "unsatisfied": {"zh": "不满意", "en": "not satisfied"},
}


def entries_of(session: Session, hits: list[Hit]) -> dict[int, KnowledgeEntry]:
    """The knowledge entries behind the knowledge hits, by ticket id."""
    wanted = [hit.ticket_id for hit in hits if hit.kind == KNOWLEDGE]
    if not wanted:
        return {}
    rows = session.scalars(select(KnowledgeEntry).where(KnowledgeEntry.ticket_id.in_(wanted)))
    return {entry.ticket_id: entry for entry in rows}


def as_json(hit: Hit, entry: KnowledgeEntry | None, rules: RuleSet, zone: tzinfo) -> dict:
    """One hit for scripts: names, not labels; times in the desk's zone; every text masked."""
    row = {
        "kind": hit.kind,
        "number": hit.number,
        "title": masked(rules, hit.title),
        "state": hit.state,
        "type": hit.type,
        "customer": hit.customer,
        "customer_name": masked(rules, hit.customer_name),
        "at": hit.at.astimezone(zone).isoformat(),
        "score": hit.score,
        "snippet": masked(rules, hit.snippet),
    }
    if entry is not None:
        row["entry"] = {name: masked(rules, getattr(entry, name) or "") for name in TEXTS} | {
            "type": entry.type,
            "subcategory": entry.subcategory,
            "tags": entry.tags,
            "confirmation": entry.confirmation,
            "satisfaction": entry.satisfaction,
            "attachments": entry.attachments,
            "ticket": entry.number,
            "archived_at": entry.archived_at.astimezone(zone).isoformat(),
        }
    return row


def lines(hit: Hit, entry: KnowledgeEntry | None, rules: RuleSet, zone: tzinfo, language: str) -> list[str]:
    """One hit as a few lines of text in `language`."""
    words = WORDS[language]
    label = rules.labels.of
    when = hit.at.astimezone(zone)
    head = (
        f"[{words[hit.kind]}] {hit.number}  {label('state', hit.state, language)}  "
        f"{label('type', hit.type, language)}  {when:%Y-%m-%d}  {words['match']} {round(hit.score * 100)}%"
    )
    customer = f"{hit.customer_name} <{hit.customer}>" if hit.customer_name else hit.customer
    shown = [head, f"  {hit.title}", f"  {hit.snippet}", f"  {words['customer']}: {customer}"]
    if entry is not None:
        for name in ("symptoms", "cause", "solution", "review", "version"):
            value = " ".join((getattr(entry, name) or "").split())
            if value:
                shown.append(f"  {words[name]}: {value[:200]}")
        if entry.satisfaction:
            rating = SATISFACTION.get(entry.satisfaction, {}).get(language, entry.satisfaction)
            shown.append(f"  {words['satisfaction']}: {rating}")
        if entry.attachments:
            shown.append(f"  {words['attachments']}: {', '.join(a['name'] for a in entry.attachments)}")
    return [masked(rules, line) for line in shown]
