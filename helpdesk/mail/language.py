"""Guess whether a customer wrote Chinese or English, to answer in the same language."""

from __future__ import annotations

import re

_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_KANA = re.compile(r"[\u3040-\u30ff]")
_LATIN = re.compile(r"[A-Za-z]")


def detect_language(text: str, default: str) -> str:
    """'zh' when Han characters carry the text, 'en' when Latin letters do, else `default`.

    A Chinese report quotes English error messages and version strings, so Han characters
    count eight times a Latin letter (a word is ~5 letters, ~1.5 characters in Chinese).
    Japanese (kana present) is answered in English.
    """
    han = len(_HAN.findall(text))
    latin = len(_LATIN.findall(text))
    if _KANA.search(text):
        return "en"
    if han >= 2 and han * 8 >= latin:
        return "zh"
    if latin:
        return "en"
    return default
