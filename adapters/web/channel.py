"""The web channel: a pull outlet. Delivering records the post in the site's own table (the
page, feeds and sitemap change, and so do their ETags); withdrawing takes it off again.

Its database sessions come through `attach(context)`, called once per process by the hub's
bootstrap (the app factory, `hub worker`, every `hub …` command).
"""

from __future__ import annotations

import logging

from sqlalchemy.exc import DBAPIError, IntegrityError

from adapters.web import pages, sites, store
from hub import ports
from hub.channels import (
    Channel,
    ChannelContext,
    ConsolePage,
    DeliveryJob,
    OutletInfo,
    PostSnapshot,
    Receipt,
    TransientError,
)
from hub.ports import Store, utcnow

log = logging.getLogger("hub.web")

# The demo's sites: every account gets one; a few show their own colours (千家千面).
DEMO_LOOKS = {
    "dongguan": {"theme_color": "#0F5BA7",
                 "tagline": "东莞市总工会官方网站：工会要闻、通知公告、会员福利与维权服务"},
    "meizhou": {"theme_color": "#1E7B4F"},
    "dg-humen": {"theme_color": "#B3541E"},
}


class WebChannel(Channel):
    name = "web"
    migrations = "migrations/versions"  # its Alembic branch, beside this module
    label = "网站"
    campaign_links = True
    audit_actions = {"web.": "网站设置", "partner.": "合作网站密钥",
                     "web.site.update": "修改网站设置", "partner.key.issue": "签发合作方密钥",
                     "partner.key.revoke": "吊销合作方密钥"}
    audit_words = {"domain": "域名", "partner": "合作方"}
    audit_subjects = {"partner_key": "合作方密钥"}
    max_concurrency = 8
    # A new version is a new delivery and the old one's withdrawal: each entry remembers
    # which delivery put it up, so the order in which those two run does not matter.
    updates_in_place = False

    def __init__(self):
        super().__init__()
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

    def attach(self, context: ChannelContext) -> None:
        super().attach(context)
        self.database.attach(context)

    # -- optional hooks ------------------------------------------------------------------
    def blueprints(self) -> list:
        from adapters.web import console_views, partners
        from adapters.web.domains import DomainMiddleware

        bp = sites.make_blueprint()
        bp.register_blueprint(partners.bp)

        def on_register(state) -> None:
            app = state.app
            app.wsgi_app = DomainMiddleware(app.wsgi_app, app.extensions["hub.read_sessions"],
                                            app.config["HUB"].public_url)

        bp.record_once(on_register)
        # Beside the sites, not inside: the sites' own headers and 404 page are not the console's.
        return [bp, console_views.bp]

    def console_pages(self) -> list[ConsolePage]:
        return [ConsolePage("web_console.site", "网站设置", min_role="admin")]

    def load_demo(self, db, config) -> None:
        """A site for every demo account; binding twice changes nothing."""
        bound = ports.outlet_keys(db, self.name)
        for account in ports.all_accounts(db):
            if account.code in bound:
                continue
            ports.bind_outlet(db, account.code, channel=self.name, key=account.code,
                        name=f"{account.name}网站", config=dict(DEMO_LOOKS.get(account.code, {})))

    def cli(self) -> list:
        from adapters.web.cli import web

        return [web]

    # -- preview -------------------------------------------------------------------------
    def _preview_page(self, post: PostSnapshot, outlet: OutletInfo) -> str:
        with self.database.reading() as db:
            account = ports.find_account(db, outlet.account_code)
            if account is None:
                return ""
            site = sites.build_site(db, outlet, account, base=f"/sites/{account.code}",
                                    origin="")
            column = post.column_slug
            now = utcnow()
            entry = pages.PageEntry(
                post_id=post.id, kind=post.kind, title=post.title, summary=post.summary,
                body_html=post.body_html, column_slug=column, cover_url=post.cover_url,
                link_url=post.link_from(store.CHANNEL),
                valid_from=store.parse_time(post.valid_from),
                valid_until=store.parse_time(post.valid_until), published_at=now,
                updated_at=now,
                origin_name=_origin_name(db, post))
            return pages.render("post.html", site=site, entry=entry, current=column)


def _origin_name(db, post: PostSnapshot) -> str | None:
    if post.origin_account_code == post.account_code:
        return None
    origin = ports.find_account(db, post.origin_account_code)
    return origin.name if origin is not None else None
