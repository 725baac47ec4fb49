"""Render outbound mail from Jinja2 templates: a subject, a text part and an HTML part per language."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import jinja2
from markupsafe import escape

from helpdesk.errors import TemplateError


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str
    language: str


class Renderer:
    """Finds `LANG/NAME.txt.j2` (with a `subject` block) and `LANG/NAME.html.j2` under `root`."""

    def __init__(self, root: Path, fallback_language: str = "en") -> None:
        self.root = root
        self.fallback_language = fallback_language
        self.env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(str(root)),
            undefined=jinja2.StrictUndefined,
            autoescape=lambda name: bool(name and name.endswith(".html.j2")),
            keep_trailing_newline=True,
        )

    def render(self, name: str, language: str, context: dict) -> Rendered:
        """Render mail `name` in `language` (or the fallback language when it has no such template)."""
        for lang in dict.fromkeys((language, self.fallback_language)):
            try:
                text_template = self.env.get_template(f"{lang}/{name}.txt.j2")
            except jinja2.TemplateNotFound:
                continue
            try:
                html_template = self.env.get_template(f"{lang}/{name}.html.j2")
            except jinja2.TemplateNotFound:
                html_template = None  # the text part, wrapped, stands in for the HTML part
            try:
                subject_block = text_template.blocks.get("subject")
                if subject_block is None:
                    raise TemplateError(f"{lang}/{name}.txt.j2 has no {{% block subject %}}")
                subject = " ".join("".join(subject_block(text_template.new_context(context))).split())
                text = text_template.render(context).strip() + "\n"
                html = html_template.render(context) if html_template else _wrap(text, subject, lang)
                return Rendered(subject=subject, text=text, html=html, language=lang)
            except jinja2.TemplateError as exc:
                raise TemplateError(f"template {lang}/{name} failed: {exc}") from exc
        raise TemplateError(f"no template {name!r} for {language!r} under {self.root}")

    def check(self, names: list[str], languages: list[str]) -> list[str]:
        """Problems found compiling each named template in each language (for `helpdesk check`)."""
        problems = []
        for name in names:
            for lang in languages:
                for suffix in ("txt.j2", "html.j2"):
                    path = f"{lang}/{name}.{suffix}"
                    try:
                        self.env.get_template(path)
                    except jinja2.TemplateSyntaxError as exc:
                        problems.append(f"{self.root / path}:{exc.lineno}: {exc.message}")
                    except jinja2.TemplateNotFound:
                        if suffix == "txt.j2":  # an HTML part is optional
                            problems.append(f"{self.root / path}: missing template")
        return problems


def _wrap(text: str, title: str, language: str) -> str:
    """An HTML part made from the text part, for mails whose template has no HTML of its own."""
    lang = "zh-CN" if language == "zh" else "en"
    return (
        f'<!DOCTYPE html>\n<html lang="{lang}"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title></head>\n"
        "<body><pre style=\"white-space: pre-wrap; font-family: -apple-system, 'PingFang SC', "
        f"'Microsoft YaHei', Arial, sans-serif; font-size: 14px;\">{escape(text)}</pre></body></html>\n"
    )
