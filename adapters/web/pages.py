"""What a site page needs, independent of Flask: the site's look and addresses, entries shaped
for templates, and the templates themselves (pages, feeds, sitemap, the preview)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape

from hub.clock import to_local

STATIC = Path(__file__).parent / "static"
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
PAGE_SIZE = 20
FEED_SIZE = 50


def _chinese_time(value: dt.datetime | None) -> str:
    local = to_local(value)
    return f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}" if local else ""


def _chinese_date(value: dt.datetime | None) -> str:
    local = to_local(value)
    return f"{local.year}年{local.month}月{local.day}日" if local else ""


def _iso(value: dt.datetime | None) -> str:
    local = to_local(value)
    return local.isoformat(timespec="seconds") if local else ""


def _rfc822(value: dt.datetime | None) -> str:
    from email.utils import format_datetime

    return format_datetime(value.astimezone(dt.UTC), usegmt=True) if value else ""


def _xml_text(value: str | None) -> str:
    """XML 1.0 cannot carry most control characters, even escaped: drop them."""
    return _CONTROL.sub("", value or "")


_RELATIVE_LINK = re.compile(r'(\s(?:src|href)=")/(?!/)')


def _absolute_urls(html: str | None, origin: str) -> str:
    """`src="/media/…"` and `href="/…"` with the site's origin in front: a feed reader (or
    any copy of the page elsewhere) cannot resolve a path against our host."""
    return _RELATIVE_LINK.sub(lambda found: f"{found.group(1)}{origin}/", html or "")


def _absolute(url: str | None, origin: str) -> str:
    return f"{origin}{url}" if url and url.startswith("/") and not url.startswith("//") \
        else (url or "")


def _environment() -> Environment:
    env = Environment(loader=PackageLoader("adapters.web", "templates"),
                      autoescape=select_autoescape(["html", "xml"]), trim_blocks=True,
                      lstrip_blocks=True)
    env.filters.update(chinese_time=_chinese_time, chinese_date=_chinese_date, iso=_iso,
                       rfc822=_rfc822, xml_text=_xml_text,
                       absolute_urls=_absolute_urls, absolute=_absolute)
    return env


TEMPLATES = _environment()


def render(name: str, **context) -> str:
    return TEMPLATES.get_template(name).render(**context)


@dataclass
class Link:
    name: str
    url: str | None  # None: the account has no site to link to


@dataclass
class Site:
    """One account's site as a page sees it: look, columns, neighbours and addresses.

    `base` is the path prefix of the site's pages ("/sites/dongguan", or "" on its own
    domain); `origin` is scheme and host, for the absolute links feeds and sitemaps need.
    """

    code: str
    name: str
    short_name: str
    intro: str
    theme: str
    logo_url: str | None
    base: str
    origin: str
    columns: list[tuple[str, str]] = field(default_factory=list)
    parent: Link | None = None
    children: list[Link] = field(default_factory=list)
    topics: list = field(default_factory=list)  # hub.ports.TopicInfo, open now, in order
    services: list = field(default_factory=list)  # hub.ports.ServiceLinkInfo

    def url(self, path: str = "/") -> str:
        return f"{self.base}{path}"

    def absolute(self, path: str = "/") -> str:
        return f"{self.origin}{self.base}{path}"

    def column_name(self, slug: str | None) -> str | None:
        return dict(self.columns).get(slug) if slug else None

    @property
    def monogram(self) -> str:
        return (self.short_name or self.name)[:2]


@dataclass
class PageEntry:
    """A post as templates show it, whether it comes from the site's table or a preview."""

    post_id: int
    kind: str
    title: str
    summary: str
    body_html: str
    column_slug: str | None
    cover_url: str | None
    link_url: str | None
    valid_from: dt.datetime | None
    valid_until: dt.datetime | None
    published_at: dt.datetime
    updated_at: dt.datetime
    origin_name: str | None = None  # set when the post came from a higher union (下发)

    @property
    def is_promotion(self) -> bool:
        return self.kind == "promotion"


def page_entry(entry, origin_name: str | None = None) -> PageEntry:
    return PageEntry(post_id=entry.post_id, kind=entry.kind, title=entry.title,
                     summary=entry.summary, body_html=entry.body_html,
                     column_slug=entry.column_slug, cover_url=entry.cover_url,
                     link_url=entry.link_url, valid_from=entry.valid_from,
                     valid_until=entry.valid_until, published_at=entry.published_at,
                     updated_at=entry.updated_at, origin_name=origin_name)


def site_css(theme: str) -> str:
    """The shared stylesheet with this site's colour: one cacheable file, no inline styles
    (the pages' Content-Security-Policy allows none)."""
    base = (STATIC / "site.css").read_text(encoding="utf-8")
    return f"{base}\n/* this site's colour */\n:root {{ --theme: {theme}; }}\n"
