"""The record's own fields that rules may name: what intake reads or sets besides the catalog's fields.

They live here, below both rules and intake, so the rules can check a name without importing
intake (which imports the rules); tests/test_category.py keeps intake's lists inside these.
"""

from __future__ import annotations

from helpdesk.rules.schema import Labels

CHANNEL = "channel"  # how the report came (intake/on_behalf.py): mail, or the #代报 channel
CATEGORY = "category"  # the type's sub-category (问题分类), catalog.yaml types.*.subcategories
JUDGEMENT = "judgement"  # the initial judgement's state (初步判断): pending_verification, verified
JUDGEMENT_NOTE = "judgement_note"  # the engineer's judgement as written (#初步判断 / #judgement)

CHANNELS = frozenset({"mail", "phone", "onsite", "account_manager"})
PENDING, VERIFIED = "pending_verification", "verified"

# Every field intake may record besides the catalog's (intake/record_fields.py reads the first eight).
RECORD_FIELDS = frozenset(
    {
        "company",
        "department",
        "phone",
        "impact",
        "frequency",
        "nature",
        "customer_priority",
        "expected_live",
        "cause",
        CHANNEL,
        CATEGORY,
        JUDGEMENT,
        JUDGEMENT_NOTE,
    }
)

FIELD_LABELS = {
    CATEGORY: Labels(zh="问题分类", en="Sub-category"),
    JUDGEMENT: Labels(zh="初步判断", en="Initial judgement"),
    JUDGEMENT_NOTE: Labels(zh="初步判断说明", en="Judgement"),
}
JUDGEMENT_LABELS = {
    PENDING: Labels(zh="待验证", en="To be verified"),
    VERIFIED: Labels(zh="已验证", en="Verified"),
}
