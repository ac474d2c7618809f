"""Notice bodies from the hub, made safe for the board's page with an allow-list (nh3, i.e. ammonia).

Nothing executable survives: no script, no event handler, no frame, form or
style, no ``javascript:`` URL. Markdown is rendered first, then sanitised like HTML.
"""
from __future__ import annotations

import html

import nh3

ALLOWED_TAGS = {"p", "br", "strong", "b", "em", "i", "u", "ul", "ol", "li", "h2", "h3", "h4", "blockquote",
                "table", "thead", "tbody", "tr", "th", "td", "a", "span", "hr", "code", "pre"}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "td": {"colspan", "rowspan"}, "th": {"colspan", "rowspan"}}


def notice_html(body: str, fmt: str) -> str:
    if fmt == "markdown":
        from markdown_it import MarkdownIt

        body = MarkdownIt("commonmark", {"html": False}).enable("table").render(body)
    elif fmt != "html":
        return "<p>" + html.escape(body).replace("\n", "<br>") + "</p>"
    return nh3.clean(body, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES, url_schemes={"http", "https"},
                     link_rel="noopener noreferrer")


def plain_preview(body: str, fmt: str, limit: int = 120) -> str:
    text = nh3.clean(notice_html(body, fmt), tags=set())
    text = html.unescape(" ".join(text.split()))
    return text if len(text) <= limit else text[: limit - 1] + "…"
