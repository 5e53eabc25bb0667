"""Markdown bodies of posts turned into safe HTML, plain text and summaries, outlet-independent.

Everything an outlet shows comes out of `render_markdown`, which always ends in
`sanitize_html`: editors' raw HTML is allowed in Markdown, so the sanitiser, not
the Markdown renderer, is what keeps scripts out.
"""

from __future__ import annotations

import time
from html.parser import HTMLParser

import nh3
from markdown_it import MarkdownIt

ALLOWED_TAGS = frozenset(
    {
        "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6",
        "strong", "b", "em", "i", "u", "del", "s",
        "blockquote", "code", "pre", "ul", "ol", "li",
        "a", "img",
        "table", "thead", "tbody", "tr", "th", "td",
        "span", "figure", "figcaption",
    }
)  # fmt: skip

ALLOWED_ATTRIBUTES = {
    "a": frozenset({"href", "title"}),
    "img": frozenset({"src", "alt", "title", "width", "height"}),
}

ALLOWED_URL_SCHEMES = frozenset({"http", "https", "mailto"})

LINK_REL = "noopener noreferrer"

# Dropped together with everything inside them: their content is code, styling or
# another document, never text a reader should see.
_DROPPED_WITH_CONTENT = frozenset(
    {
        "script", "style", "iframe", "frame", "frameset", "object", "embed", "applet",
        "noscript", "noembed", "noframes", "template", "svg", "math", "textarea",
        "title", "xmp",
    }
)  # fmt: skip

_SANITIZER = nh3.Cleaner(
    tags=set(ALLOWED_TAGS),
    # The empty "*" entry matters: without it ammonia keeps its default generic
    # attributes (title, lang) on every tag.
    attributes={"*": set()} | {tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
    url_schemes=set(ALLOWED_URL_SCHEMES),
    link_rel=LINK_REL,
    clean_content_tags=set(_DROPPED_WITH_CONTENT),
    strip_comments=True,
)

_MARKDOWN = MarkdownIt("commonmark").enable(["table", "strikethrough"])

# Elements whose edges separate lines of plain text; anything else is inline.
_BLOCK_TAGS = frozenset(
    {
        "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre",
        "ul", "ol", "li", "table", "thead", "tbody", "tr", "figure", "figcaption", "div",
    }
)  # fmt: skip
_CELL_TAGS = frozenset({"td", "th"})

ELLIPSIS = "…"

_MAX_EXTRA_PASSES = 4

# markdown-it stops at each of these (its inline "terminators") to try every inline rule, and
# after an open "[" it scans ahead for the label's end: up to ~50 µs each, against ~0.1 µs for
# any other character. Capping their number bounds a render near a second however they are
# arranged (a body of 190,000 "[" took 5.5 s); no article needs 20,000 of them.
_COSTLY_MARKUP = "\n!#$%&*+-:<=>@[\\]^_`{}~"
MAX_COSTLY_MARKUP = 20_000


class MarkdownTooCostly(ValueError):
    """A body whose rendering would cost too much; `reason` says why, in Chinese."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def sanitize_html(html: str) -> str:
    """Keep only the allowlisted tags, attributes and URL schemes of an HTML fragment.

    Idempotent: sanitising the result again changes nothing.
    """
    cleaned = _SANITIZER.clean(html)
    # One pass can serialise a tree that HTML parsing would not build (foster-parented
    # tables can leave an <a> inside an <a>), so re-parse until the text is stable.
    # Every pass is safe on its own; the repeats only buy idempotence.
    for _ in range(_MAX_EXTRA_PASSES):
        again = _SANITIZER.clean(cleaned)
        if again == cleaned:
            break
        cleaned = again
    return cleaned


def render_markdown(source: str) -> str:
    """Render CommonMark (plus tables and strikethrough) to sanitised HTML."""
    return sanitize_html(_MARKDOWN.render(source))


def render_bounded(source: str, *, budget_seconds: float) -> str:
    """`render_markdown`, refused (MarkdownTooCostly) for a body with more costly markup than
    MAX_COSTLY_MARKUP, or whose rendering took more than `budget_seconds` of CPU: rendering
    cannot be interrupted, so the budget is the safety net behind the cap, not a timeout."""
    costly = sum(source.count(char) for char in _COSTLY_MARKUP)
    if costly > MAX_COSTLY_MARKUP:
        raise MarkdownTooCostly(
            f"正文含 {costly} 个换行和 Markdown 符号（如 [ ] * _ # - : & < > 等），最多 "
            f"{MAX_COSTLY_MARKUP} 个：请精简正文或拆成几篇")
    started = time.thread_time()
    html = render_markdown(source)
    if time.thread_time() - started > budget_seconds:
        raise MarkdownTooCostly(f"正文排版超过 {budget_seconds:g} 秒：请精简正文或拆成几篇")
    return html


def plain_text(source: str) -> str:
    """The visible text of a Markdown body: no markup, entities decoded, one line per block."""
    return html_text(render_markdown(source))


def html_text(html: str) -> str:
    """The visible text of sanitised HTML (`render_markdown`'s output), one line per block."""
    extractor = _TextExtractor()
    extractor.feed(html)
    extractor.close()
    return extractor.text()


def summarize(source: str, max_chars: int = 120) -> str:
    """Plain text of a Markdown body on one line, at most `max_chars` characters.

    Characters, not bytes: a Chinese character counts as one. A cut summary ends
    with "…", which counts towards `max_chars`.
    """
    return summarize_html(render_markdown(source), max_chars)


def summarize_html(html: str, max_chars: int = 120) -> str:
    """`summarize` for a body already rendered: its HTML is not rendered again."""
    if max_chars < 1:
        raise ValueError("max_chars must be at least 1")
    one_line = " ".join(html_text(html).split())
    if len(one_line) <= max_chars:
        return one_line
    return one_line[: max_chars - 1].rstrip() + ELLIPSIS


def image_sources(html: str) -> list[str]:
    """The `src` of every <img> in an HTML fragment, in document order."""
    return _attribute_values(html, tag="img", attribute="src")


def link_targets(html: str) -> list[str]:
    """The `href` of every <a> in an HTML fragment, in document order."""
    return _attribute_values(html, tag="a", attribute="href")


def _attribute_values(html: str, *, tag: str, attribute: str) -> list[str]:
    collector = _AttributeCollector(tag, attribute)
    collector.feed(html)
    collector.close()
    return collector.values


class _AttributeCollector(HTMLParser):
    """Collects one attribute of one tag; html.parser decodes entities in values."""

    def __init__(self, tag: str, attribute: str) -> None:
        super().__init__(convert_charrefs=True)
        self._tag = tag
        self._attribute = attribute
        self.values: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag != self._tag:
            return
        for name, value in attrs:
            if name == self._attribute and value is not None:
                self.values.append(value)
                return


class _TextExtractor(HTMLParser):
    """Gathers text nodes, marking block edges with newlines and table cells with spaces."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self._pieces: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._mark_edge(tag)

    def handle_endtag(self, tag: str) -> None:
        self._mark_edge(tag)

    def handle_data(self, data: str) -> None:
        # Newlines inside a block are soft breaks in the source, not paragraph breaks.
        self._pieces.append(" ".join(data.split("\n")))

    def _mark_edge(self, tag: str) -> None:
        if tag in _BLOCK_TAGS:
            self._pieces.append("\n")
        elif tag in _CELL_TAGS:
            self._pieces.append(" ")

    def text(self) -> str:
        lines = ("".join(self._pieces)).split("\n")
        collapsed = (" ".join(line.split()) for line in lines)
        return "\n".join(line for line in collapsed if line)
