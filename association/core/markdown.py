"""Markdown written by members, rendered once and sanitised against an allow-list.

CommonMark via markdown-it-py with raw HTML off, then bleach: only the tags below survive, links
get ``rel="nofollow noopener"`` and only http, https and mailto schemes. Callers store the result
beside the source, so pages never render Markdown on a view.
"""

from __future__ import annotations

import bleach
from bleach.linkifier import Linker
from markdown_it import MarkdownIt

ALLOWED_TAGS = {
    "p",
    "br",
    "em",
    "strong",
    "ul",
    "ol",
    "li",
    "blockquote",
    "code",
    "pre",
    "a",
    "hr",
    "h3",
    "h4",
    "del",
}
ALLOWED_ATTRIBUTES = {"a": ["href", "title", "rel"]}
ALLOWED_PROTOCOLS = {"http", "https", "mailto"}

_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable("strikethrough")
_cleaner = bleach.Cleaner(tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES, protocols=ALLOWED_PROTOCOLS, strip=True)


def _link_rel(attrs, new=False):
    attrs[(None, "rel")] = "nofollow noopener"
    return attrs


_linker = Linker(callbacks=[_link_rel], skip_tags={"pre", "code"})


def render_markdown(source: str) -> str:
    """Safe HTML for ``source``: headings are demoted so a member's text never outranks the page."""
    html = _markdown.render(source or "")
    for level in (1, 2):
        html = html.replace(f"<h{level}>", "<h3>").replace(f"</h{level}>", "</h3>")
    for level in (5, 6):
        html = html.replace(f"<h{level}>", "<h4>").replace(f"</h{level}>", "</h4>")
    return _linker.linkify(_cleaner.clean(html))
