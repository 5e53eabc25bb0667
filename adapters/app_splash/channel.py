"""The splash channel: an outlet gives an account a place in one of the app's splash slots;
delivering draws the promotion's images at the slot's sizes and moves the slot's version,
and the app sees it in its next manifest."""

from __future__ import annotations

from flask import Blueprint

from adapters.app_splash import services
from adapters.app_splash.models import SplashSlot
from adapters.app_splash.store import STORE
from content import images
from hub import ports
from hub.channels import (
    Channel,
    ChannelContext,
    ConsolePage,
    DeliveryJob,
    DesignedForm,
    OutletInfo,
    PermanentError,
    PostSnapshot,
    Receipt,
)

_BLUEPRINT: Blueprint | None = None
NOT_SHOWN = "splash-not-shown:not-a-promotion"


def _blueprint() -> Blueprint:
    global _BLUEPRINT
    if _BLUEPRINT is None:
        from adapters.app_splash.console_views import bp as console
        from adapters.app_splash.protocol import bp as app_side
        from adapters.app_splash.views import bp as editors

        parent = Blueprint("splash", __name__)
        parent.register_blueprint(app_side)
        parent.register_blueprint(editors)
        parent.register_blueprint(console)
        _BLUEPRINT = parent
    return _BLUEPRINT


class AppSplashChannel(Channel):
    name = "splash"
    migrations = "migrations/versions"  # its Alembic branch, beside this module
    label = "App 开屏"
    max_concurrency = 4
    updates_in_place = True
    preview_frame = "phone"
    campaign_links = True
    json_prefixes = ("/splash/",)
    audit_actions = {"splash.": "开屏", "splash.slot.create": "新建开屏位",
                     "splash.slot.update": "修改开屏位", "splash.app_key.issue": "签发 App 密钥"}
    audit_words = {"slot": "开屏位"}
    audit_subjects = {"splash_slot": "开屏位"}

    def attach(self, context: ChannelContext) -> None:
        super().attach(context)
        STORE.attach(context)

    def _read(self, post: PostSnapshot, outlet: OutletInfo):
        with STORE.reading() as db:
            slot = services.slot_for_outlet(db, outlet.key, outlet.config)
            source = services.load_source(db, post)
            sizes = [list(s) for s in slot.sizes] if slot else []
        return slot, source, sizes

    def console_pages(self) -> list[ConsolePage]:
        return [ConsolePage("splash.splash_console.slots", "开屏位")]

    def check(self, post: PostSnapshot, outlet: OutletInfo) -> list[str]:
        """Why the post cannot go out as a splash (Chinese; empty when it can)."""
        if post.kind != "promotion":
            return []  # articles are not splashes: nothing to refuse (see deliver)
        slot, source, sizes = self._read(post, outlet)
        if slot is None:
            return [f"开屏终端「{outlet.name}」没有对应的开屏位"]
        return services.problems(source, sizes)

    def render(self, post: PostSnapshot, outlet: OutletInfo) -> dict:
        slot, source, sizes = self._read(post, outlet)
        settings = source.settings
        problems = self.check(post, outlet)
        return {"channel": self.name, "slot": slot.code if slot else None,
                "title": post.title, "sizes": sizes, "priority": settings.priority,
                "daily_cap": settings.daily_cap, "rules": settings.app_rules(),
                "link": settings.link.model_dump(mode="json", exclude_none=True),
                "problems": problems,
                **(_preview_picture(post, slot, source, sizes, problems)
                   or {"placeholder": _no_picture(post, slot, problems)})}

    def deliver(self, job: DeliveryJob) -> Receipt:
        if job.post.kind != "promotion":
            # The splash shows promotions only; an article reaching the outlet (the editor
            # left every channel on) has nothing to show here, and that is not a failure.
            return Receipt(external_id=NOT_SHOWN)
        slot, source, sizes = self._read(job.post, job.outlet)
        if slot is None:
            raise PermanentError(f"开屏终端「{job.outlet.name}」没有对应的开屏位")
        found = services.problems(source, sizes)
        if found:
            raise PermanentError("；".join(found))
        drawn = services.draw(source, sizes)  # outside a transaction
        with STORE.session() as db:
            slot = db.get(SplashSlot, slot.id)
            account = ports.account(db, job.outlet.account_code)
            item = services.record(db, slot, job.outlet.id, account, source, drawn)
            db.commit()
            item_id = item.id
        url = f"{STORE.config.public_url}/api/v1/splash/items/{item_id}"
        return Receipt(external_id=f"splash-item-{item_id}", external_url=url)

    def withdraw(self, job: DeliveryJob) -> None:
        with STORE.session() as db:
            if services.withdraw(db, job.outlet.id, job.post.id):
                db.commit()

    def lane(self, outlet: OutletInfo) -> str:
        return str((outlet.config or {}).get("slot", outlet.key))

    def post_figures(self, post_ids: list[int]) -> dict[int, dict[str, int]]:
        """How often the app showed each post's splash (impressions the app reported)."""
        with STORE.reading() as db:
            return {post_id: {"开屏曝光": shown}
                    for post_id, shown in services.impressions_per_post(db, post_ids) if shown}

    def blueprints(self) -> list[Blueprint]:
        return [_blueprint()]

    def forms(self, post: PostSnapshot, outlet: OutletInfo) -> list[DesignedForm]:
        """The poster at every size of the slot, the very files delivery sends (none for an
        article; PermanentError with the reason when the post cannot be a splash)."""
        if post.kind != "promotion":
            return []
        slot, source, sizes = self._read(post, outlet)
        if slot is None or not sizes:
            return []
        found = services.problems(source, sizes)
        if found:
            raise PermanentError("；".join(found))
        return [DesignedForm(outlet.name, d.width, d.height,
                             "image/jpeg", d.data) for d in services.draw(source, sizes)]

    def cli(self) -> list:
        from adapters.app_splash.cli import commands

        return commands()

    def load_demo(self, db, config) -> None:
        from adapters.app_splash import demo

        demo.load(db, config)


def _no_picture(post: PostSnapshot, slot, problems: list[str]) -> str:
    """What the editor's preview says instead of a poster it cannot show (Chinese)."""
    if post.kind != "promotion":
        return "开屏只展示「活动 / 福利」稿件：这篇是文章，不会出现在 App 开屏。"
    if slot is None:
        return "这个开屏终端没有对应的开屏位，暂时无法预览。"
    return "开屏图暂时画不出来" + ("：请先解决下面列出的问题。" if problems else "，请稍后再试。")


def _preview_picture(post: PostSnapshot, slot, source, sizes, problems) -> dict:
    """The poster the app will show, at the slot's first size, for the editor's preview:
    the very file delivery sends (nothing for an article, or when it cannot be drawn)."""
    if post.kind != "promotion" or slot is None or problems or not sizes:
        return {}
    try:
        width, height = sizes[0]
        [drawn] = services.draw(source, [[width, height]])
    except PermanentError:
        return {}
    return {"image_data_url": images.data_url(drawn.data), "width": width, "height": height}
