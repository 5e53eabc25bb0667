"""The web channel: a pull outlet. Delivering records the post in the site's own table (the
page, feeds and sitemap change, and so do their ETags); withdrawing takes it off again.

Its database sessions come through the optional `attach(config, sessions)` hook (the
dispatcher calls it) or, in a web process, from the app its blueprint joins; failing both it
builds its own from HUB_DATABASE_URL.
"""

from __future__ import annotations

import logging

from sqlalchemy import select
from sqlalchemy.exc import DBAPIError, IntegrityError

from adapters.web import pages, sites, store
from hub.channels import DeliveryJob, OutletInfo, PostSnapshot, Receipt, TransientError
from hub.db import utcnow
from hub.pull.store import Store

log = logging.getLogger("hub.web")

# The demo's sites: every account gets one; a few show their own colours (千家千面).
DEMO_LOOKS = {
    "dongguan": {"theme_color": "#0F5BA7",
                 "tagline": "东莞市总工会官方网站：工会要闻、通知公告、会员福利与维权服务"},
    "meizhou": {"theme_color": "#1E7B4F"},
    "dg-humen": {"theme_color": "#B3541E"},
}


class WebChannel:
    name = "web"
    migrations = "migrations/versions"  # its Alembic branch, beside this module
    label = "网站"
    max_concurrency = 8
    # A new version is a new delivery and the old one's withdrawal: each entry remembers
    # which delivery put it up, so the order in which those two run does not matter.
    updates_in_place = False

    def __init__(self):
        self.database = Store()  # the hub's sessions and settings (hub.pull.store)

    # -- addresses -----------------------------------------------------------------------
    def page_url(self, outlet: OutletInfo, post_id: int) -> str:
        domain = (outlet.config or {}).get("domain")
        if domain:
            scheme = outlet.config.get("scheme", "https")
            return f"{scheme}://{domain}/posts/{post_id}"
        return f"{self.database.config.public_url}/sites/{outlet.account_code}/posts/{post_id}"

    # -- the port ------------------------------------------------------------------------
    def render(self, post: PostSnapshot, outlet: OutletInfo) -> dict:
        """The post as the site's page will show it, for the editors' preview."""
        return {"title": post.title, "summary": post.summary, "html": post.body_html,
                "url": self.page_url(outlet, post.id), "frame": "browser",
                "preview_html": self._preview_page(post, outlet)}

    def deliver(self, job: DeliveryJob) -> Receipt:
        try:
            with self.database.session() as db:
                store.record_entry(db, job)
                db.commit()
        except IntegrityError:
            # Two sends of the same post raced to create its entry; the next try updates it.
            log.warning("web entry for post %s on outlet %s: integrity error, will retry",
                        job.post.id, job.outlet.id, exc_info=True)
            raise TransientError("网站同时收到同一稿件的两次写入，稍后重试") from None
        except DBAPIError as exc:
            raise TransientError(f"网站数据库暂时不可用（{type(exc).__name__}）") from None
        return Receipt(external_id=f"{job.outlet.key}/{job.post.id}",
                       external_url=self.page_url(job.outlet, job.post.id))

    def withdraw(self, job: DeliveryJob) -> None:
        try:
            with self.database.session() as db:
                store.remove_entry(db, job)
                db.commit()
        except DBAPIError as exc:
            raise TransientError(f"网站数据库暂时不可用（{type(exc).__name__}）") from None

    def lane(self, outlet: OutletInfo) -> str:
        return str(outlet.id)

    def attach(self, config, sessions) -> None:
        """The hub's settings and sessions (the dispatcher calls this; `hub worker` has no app)."""
        self.database.attach(sessions, config)

    # -- optional hooks ------------------------------------------------------------------
    def blueprint(self):
        from adapters.web import partners
        from adapters.web.domains import DomainMiddleware

        bp = sites.make_blueprint()
        bp.register_blueprint(partners.bp)

        def on_register(state) -> None:
            app = state.app
            self.database.attach_from_app(state)
            app.wsgi_app = DomainMiddleware(app.wsgi_app, app.extensions["hub.read_sessions"],
                                            app.config["HUB"].public_url)

        bp.record_once(on_register)
        return bp

    def load_demo(self, db, config) -> None:
        """A site for every demo account; binding twice changes nothing."""
        from hub.accounts.services import all_accounts
        from hub.outlets.models import Outlet
        from hub.outlets.services import bind_outlet

        bound = set(db.scalars(select(Outlet.key).where(Outlet.channel == self.name)))
        for account in all_accounts(db):
            if account.code in bound:
                continue
            bind_outlet(db, account, channel=self.name, key=account.code,
                        name=f"{account.name}网站", config=dict(DEMO_LOOKS.get(account.code, {})))

    def cli_commands(self) -> list:
        from adapters.web.cli import web

        return [web]

    # -- preview -------------------------------------------------------------------------
    def _preview_page(self, post: PostSnapshot, outlet: OutletInfo) -> str:
        from hub.outlets.models import Outlet
        from hub.posts.models import Post

        with self.database.reading() as db:
            row = db.get(Outlet, outlet.id)
            if row is None:
                return ""
            site = sites.build_site(db, row, row.account, base=f"/sites/{row.account.code}",
                                       origin="")
            saved = db.get(Post, post.id)
            column = saved.column.slug if saved is not None and saved.column else None
            now = utcnow()
            entry = pages.PageEntry(
                post_id=post.id, kind=post.kind, title=post.title, summary=post.summary,
                body_html=post.body_html, column_slug=column, cover_url=post.cover_url,
                link_url=post.link_url, valid_from=store.parse_time(post.valid_from),
                valid_until=store.parse_time(post.valid_until), published_at=now,
                updated_at=now,
                origin_name=_origin_name(db, post))
            return pages.render("post.html", site=site, entry=entry, current=column)


def _origin_name(db, post: PostSnapshot) -> str | None:
    if post.origin_account_code == post.account_code:
        return None
    from hub.accounts.models import Account

    return db.scalar(select(Account.name).where(Account.code == post.origin_account_code))
