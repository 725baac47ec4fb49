"""The record's category and initial judgement as engineers set them: #分类 / #category <name>,
#初步判断 / #judgement <text>; and the judgement verified once the ticket is resolved with a cause."""

from __future__ import annotations

from helpdesk.effects import Plan, SetField
from helpdesk.outbound.phrases import bilingual
from helpdesk.rules.record_names import CATEGORY, JUDGEMENT, JUDGEMENT_NOTE, PENDING, VERIFIED
from helpdesk.tickets import status
from helpdesk.workflow.editing import Edit, Refused

CAUSE = "cause"  # the field the cause given with a solution is kept in (workflow/staff.py)


def category(edit: Edit, arg: str) -> dict:
    """`#分类 数据异常` / `#category data_anomaly`: one of the ticket's type's sub-categories, by key
    or by either label; another name is refused with the type's own list."""
    rules, view = edit.rules, edit.plan.view
    subcategories = rules.router.subcategories
    if not subcategories.keys(view.type):
        raise Refused("no_categories", type=bilingual("type", view.type or "", rules.labels))
    chosen = subcategories.named(view.type, arg)
    if chosen is None:
        raise Refused("unknown_category", value=arg.strip(), known=subcategories.labels(view.type))
    old = view.fields.get(CATEGORY)
    edit.plan.set(subcategory=chosen)
    edit.fill(CATEGORY, chosen)
    return {"from": old, "to": chosen}


def retyped(edit: Edit) -> None:
    """After #type: what the old type's record said gives way to the new type's. A category the
    new type lacks is dropped, or replaced by the one its own keywords find in the ticket's subject
    and description; a judgement starts again, to be verified, or goes if the new type has none."""
    plan, subcategories = edit.plan, edit.rules.router.subcategories
    view = plan.view
    if view.subcategory not in subcategories.keys(view.type):
        hit = subcategories.found(view.type, view.subject, view.description)
        plan.set(subcategory=hit.key if hit else None)
        if hit:
            edit.fill(CATEGORY, hit.key)
        else:
            plan.drop(CATEGORY)
    plan.drop(JUDGEMENT_NOTE)
    if view.type in edit.rules.names.judged:
        edit.fill(JUDGEMENT, PENDING)
    else:
        plan.drop(JUDGEMENT)


def judgement(edit: Edit, arg: str) -> dict:
    """`#初步判断 疑似缓存写满` / `#judgement cache full?`: the engineer's judgement, kept as
    written; it is to be verified (again, after one verified before) until resolved with a cause."""
    text = arg.strip()
    if not text:
        raise Refused("judgement_empty")
    edit.fill(JUDGEMENT_NOTE, text)
    edit.fill(JUDGEMENT, PENDING)
    return {"judgement": text, "state": PENDING}


def verify_judgement(plan: Plan, actor: str, message_id: str) -> None:
    """A judgement to be verified is verified when the mail leaves the ticket resolved with its
    cause on record (given now with the solution, or before it awaited the lead's approval)."""
    view = plan.view
    caused = CAUSE in view.fields or any(isinstance(e, SetField) and e.name == CAUSE for e in plan.effects)
    if view.status != status.RESOLVED or not caused or view.fields.get(JUDGEMENT) != PENDING:
        return
    plan.fill(JUDGEMENT, VERIFIED, message_id, 0, "command")
    plan.record(actor, "judgement_verified", {"judgement": view.fields.get(JUDGEMENT_NOTE, "")})
