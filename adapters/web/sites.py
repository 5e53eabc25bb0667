"""The public sites: `/sites/<account>/` home (with its topics and local services), column,
topic, promotion and post pages, Atom and RSS
feeds, sitemap and stylesheet. Every answer carries an ETag worked out before rendering, so
an unchanged page costs a few small queries and a 304."""

from __future__ import annotations

import hashlib
import re

from flask import Blueprint, Response, abort, current_app, g, request
from werkzeug.exceptions import HTTPException

from adapters.web import pages, store
from adapters.web.domains import site_base
from hub import ports
from hub.ports import AccountInfo

COLOR = re.compile(r"^#[0-9A-Fa-f]{6}$")
DEFAULT_THEME = "#C8102E"
# Public pages: nothing runs, styles come from the site's stylesheet, pictures from anywhere.
SITE_CSP = ("default-src 'none'; style-src 'self'; img-src * data:; base-uri 'none'; "
            "form-action 'none'; frame-ancestors 'self'")
# Caches may keep pages but must ask again each time: a withdrawn post disappears at once,
# and asking again costs a 304 when nothing changed.
PAGE_CACHE = "public, no-cache"
CSS_CACHE = "public, max-age=300"


def theme_of(outlet_config: dict, account: AccountInfo) -> str:
    for candidate in (outlet_config.get("theme_color"), account.theme_color):
        if candidate and COLOR.match(candidate):
            return candidate
    return DEFAULT_THEME


def build_site(db, outlet, account: AccountInfo, *, base: str, origin: str,
               link_origin: str = "") -> pages.Site:
    """The site's look and neighbours; `link_origin` prefixes links to other sites (needed
    when this one is served on its own domain)."""
    config = outlet.config or {}
    parent = ports.account_by_id(db, account.parent_id) if account.parent_id else None
    neighbours = ([parent] if parent else []) + store.children(db, account)
    with_sites = store.accounts_with_sites(db, [a.code for a in neighbours])

    def link(other: AccountInfo) -> pages.Link:
        url = f"{link_origin}/sites/{other.code}/" if other.code in with_sites else None
        return pages.Link(other.name, url)

    return pages.Site(
        code=account.code, name=config.get("title") or account.name,
        short_name=account.short_name or "",
        intro=config.get("tagline") or account.intro or "", theme=theme_of(config, account),
        logo_url=config.get("logo_url") or account.logo_url, base=base, origin=origin,
        columns=[(c.slug, c.name) for c in account.columns],
        parent=link(parent) if parent else None,
        children=[link(child) for child in store.children(db, account)],
        topics=ports.account_topics(db, account.code),
        services=ports.service_links(db, account.code))


class _Request:
    """The site a request is for. Its look and neighbours (`site`) are only read when a page
    is actually rendered: a 304 needs the ETag alone."""

    def __init__(self, outlet, account: AccountInfo, base: str, origin: str, link_origin: str):
        self.outlet, self.account = outlet, account
        self.base, self.origin, self.link_origin = base, origin, link_origin
        self._site: pages.Site | None = None

    @property
    def site(self) -> pages.Site:
        if self._site is None:
            self._site = build_site(g.db, self.outlet, self.account, base=self.base,
                                    origin=self.origin, link_origin=self.link_origin)
        return self._site

    def has_column(self, slug: str) -> bool:
        return any(c.slug == slug for c in self.account.columns)


def _site(code: str) -> _Request:
    """The site this request is for, or 404."""
    found = store.site_outlet(g.db, code)
    if found is None:
        abort(404)
    outlet, account = found
    base, domain = site_base(code)
    config = current_app.config["HUB"]
    origin = f"{request.scheme}://{domain}" if domain else config.public_url
    return _Request(outlet, account, base, origin, config.public_url if domain else "")


def _etag(ref: _Request) -> str:
    parts = f"{store.fingerprint(g.db, ref.outlet, ref.account)}|{ref.origin}|{ref.base}|" \
            f"{request.path}|{request.query_string.decode('latin-1')}"
    return hashlib.sha256(parts.encode()).hexdigest()[:32]


def _answer(ref: _Request, make_body, mimetype: str, cache: str = PAGE_CACHE) -> Response:
    """304 when the client's copy is current; otherwise render and send it with its ETag."""
    etag = _etag(ref)
    if request.if_none_match.contains_weak(etag):  # W/"…" too (RFC 9110)
        response = Response(status=304)
    else:
        response = Response(make_body(), mimetype=mimetype)
    response.set_etag(etag)
    response.headers["Cache-Control"] = cache
    response.headers["Content-Security-Policy"] = SITE_CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def _origins(entries) -> dict[int, str]:
    ids = {e.origin_account_id for e in entries if e.origin_account_id != e.account_id}
    return {i: a.name for i, a in store.account_names(g.db, ids).items()}


def _shape(entries) -> list[pages.PageEntry]:
    origins = _origins(entries)
    return [pages.page_entry(e, origins.get(e.origin_account_id)) for e in entries]


def _page_number() -> int:
    value = request.args.get("page", "1")
    if not value.isdigit() or not 1 <= int(value) <= 10_000:
        abort(404)
    return int(value)


def _listing(ref: _Request, *, column: str | None = None, kind: str | None = None,
             heading: str) -> Response:
    number = _page_number()

    def body():
        found = store.live_entries(g.db, ref.outlet.id, column=column, kind=kind,
                                   limit=pages.PAGE_SIZE + 1,
                                   offset=(number - 1) * pages.PAGE_SIZE)
        return pages.render("listing.html", site=ref.site, heading=heading,
                            entries=_shape(found[:pages.PAGE_SIZE]), page=number,
                            has_more=len(found) > pages.PAGE_SIZE, current=column or kind)

    return _answer(ref, body, "text/html")


def home(code: str):
    ref = _site(code)
    if _page_number() > 1:
        return _listing(ref, heading="最新发布")

    def body():
        latest = _shape(store.live_entries(g.db, ref.outlet.id, limit=pages.PAGE_SIZE + 1))
        promotions = _shape(store.live_entries(g.db, ref.outlet.id, kind="promotion",
                                               limit=3))
        return pages.render("home.html", site=ref.site, entries=latest[:pages.PAGE_SIZE],
                            has_more=len(latest) > pages.PAGE_SIZE, promotions=promotions,
                            current="home")

    return _answer(ref, body, "text/html")


def column_page(code: str, slug: str):
    ref = _site(code)
    if not ref.has_column(slug):
        abort(404)
    return _listing(ref, column=slug, heading=next(c.name for c in ref.account.columns
                                                   if c.slug == slug))


def topic_page(code: str, topic_id: int):
    ref = _site(code)
    topic = next((t for t in ref.site.topics if t.id == topic_id), None)
    if topic is None:
        abort(404)

    def body():
        entries = _shape(store.live_entries_of(g.db, ref.outlet.id, topic.post_ids))
        return pages.render("topic.html", site=ref.site, topic=topic, entries=entries,
                            current=None)

    return _answer(ref, body, "text/html")


def promotions_page(code: str):
    return _listing(_site(code), kind="promotion", heading="活动与福利")


def post_page(code: str, post_id: int):
    ref = _site(code)
    entry = store.live_entry(g.db, ref.outlet.id, post_id)
    if entry is None:
        abort(404)
    ports.count_site_read(ref.account.id)  # a reader's visit is a read (hub.kpis)

    def body():
        return pages.render("post.html", site=ref.site, entry=_shape([entry])[0],
                            current=entry.column_slug)

    return _answer(ref, body, "text/html")


def _feed(code: str, template: str, mimetype: str) -> Response:
    ref = _site(code)

    def body():
        entries = _shape(store.live_entries(g.db, ref.outlet.id, limit=pages.FEED_SIZE))
        # A feed must say when it last changed, even before its first entry.
        updated = max((e.updated_at for e in entries), default=ref.account.created_at)
        return pages.render(template, site=ref.site, entries=entries, updated=updated)

    return _answer(ref, body, mimetype)


def atom_feed(code: str):
    return _feed(code, "feed.atom.xml", "application/atom+xml")


def rss_feed(code: str):
    return _feed(code, "feed.rss.xml", "application/rss+xml")


def sitemap(code: str):
    ref = _site(code)

    def body():
        entries = store.live_entries(g.db, ref.outlet.id, limit=50_000)
        return pages.render("sitemap.xml", site=ref.site, entries=entries,
                            updated=max((e.updated_at for e in entries), default=None))

    return _answer(ref, body, "application/xml")


def robots(code: str):
    ref = _site(code)
    return _answer(ref, lambda: f"User-agent: *\nAllow: /\nSitemap: "
                   f"{ref.site.absolute('/sitemap.xml')}\n", "text/plain")


def stylesheet(code: str):
    ref = _site(code)
    return _answer(ref, lambda: pages.site_css(theme_of(ref.outlet.config or {}, ref.account)),
                   "text/css", cache=CSS_CACHE)


def shared_stylesheet():
    """The neutral stylesheet of pages that belong to no one site (directory, errors)."""
    response = Response(pages.site_css(DEFAULT_THEME), mimetype="text/css")
    response.headers["Cache-Control"] = CSS_CACHE
    response.add_etag()
    return response.make_conditional(request)


def directory():
    """Every site, as a tree: the way in for someone who does not know the account code."""
    rows = ports.accounts_with_outlets(g.db, store.CHANNEL)
    body = pages.render("directory.html", accounts=rows)
    response = Response(body, mimetype="text/html")
    response.headers["Content-Security-Policy"] = SITE_CSP
    response.headers["Cache-Control"] = PAGE_CACHE
    response.add_etag()
    return response.make_conditional(request)


def not_found(exc: HTTPException):
    body = pages.render("error.html", code=exc.code,
                        message="页面不存在，或稿件已撤回" if exc.code == 404 else exc.name)
    response = Response(body, status=exc.code, mimetype="text/html")
    response.headers["Content-Security-Policy"] = SITE_CSP
    return response


def make_blueprint() -> Blueprint:
    bp = Blueprint("web_sites", __name__)
    routes = [
        ("/sites/", directory),
        ("/sites/_/site.css", shared_stylesheet),
        ("/sites/<code>/", home),
        ("/sites/<code>/c/<slug>/", column_page),
        ("/sites/<code>/promotions/", promotions_page),
        ("/sites/<code>/topics/<int:topic_id>/", topic_page),
        ("/sites/<code>/posts/<int:post_id>", post_page),
        ("/sites/<code>/feed.atom", atom_feed),
        ("/sites/<code>/feed.rss", rss_feed),
        ("/sites/<code>/sitemap.xml", sitemap),
        ("/sites/<code>/robots.txt", robots),
        ("/sites/<code>/site.css", stylesheet),
    ]
    for rule, view in routes:
        bp.add_url_rule(rule, view.__name__, view, methods=["GET"])
    bp.register_error_handler(404, not_found)
    return bp
