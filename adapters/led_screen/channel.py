"""The LED channel: a screen group (or one screen) is an outlet; delivering draws the post at
each screen's exact canvas size and moves the screens' playlist versions, and the controllers
pick it up on their next poll."""

from __future__ import annotations

from flask import Blueprint

from adapters.led_screen import operated, publishing, services
from adapters.led_screen.store import STORE
from content import images
from hub.channels import (
    Channel,
    ChannelContext,
    ConsolePage,
    DeliveryJob,
    OutletInfo,
    PermanentError,
    PostSnapshot,
    Receipt,
)
from hub.ports import send

_BLUEPRINT: Blueprint | None = None


def _blueprint() -> Blueprint:
    """One parent blueprint for the controller protocol and the editors' API (built once:
    Flask lets a blueprint be registered on every app a test creates)."""
    global _BLUEPRINT
    if _BLUEPRINT is None:
        from adapters.led_screen.api import bp as editors
        from adapters.led_screen.console_views import bp as console
        from adapters.led_screen.protocol import bp as protocol
        from adapters.led_screen.xmds.views import bp as xmds

        parent = Blueprint("led", __name__)
        parent.register_blueprint(protocol)
        parent.register_blueprint(editors)
        parent.register_blueprint(xmds)
        parent.register_blueprint(console)
        _BLUEPRINT = parent
    return _BLUEPRINT


class LedScreenChannel(Channel):
    name = "led"
    migrations = "migrations/versions"  # its Alembic branch, beside this module
    label = "LED 大屏"
    # Drawing is CPU work in the worker's process: a few at a time is plenty.
    max_concurrency = 4
    updates_in_place = True  # one item per (outlet, post): a new version redraws it
    preview_frame = "screen"
    campaign_links = True
    json_prefixes = ("/led/",)
    audit_actions = {"led.": "LED 屏", "led.screen.create": "登记屏幕",
                     "led.screen.update": "修改屏幕", "led.group.create": "新建屏幕组",
                     "led.group.members": "调整屏幕组的屏幕",
                     "led.token.issue": "签发屏幕令牌", "led.token.revoke": "吊销屏幕令牌",
                     "led.pairing.claim": "用配对码认领屏幕", "led.operated.slot": "设置运营方档期",
                     "led.xibo.approve": "批准 Xibo 播放器接入",
                     "led.xibo.refuse": "拒绝 Xibo 播放器接入"}
    audit_words = {"screens": "屏幕", "display": "播放器", "operator": "运营方", "place": "位置",
                   "width": "宽", "height": "高", "orientation": "方向", "controller": "控制器",
                   "draws_text": "屏幕自绘文字", "brightness": "亮度", "on_time": "开屏时间",
                   "off_time": "关屏时间", "poll_seconds": "拉取间隔",
                   "min_poll_seconds": "最短拉取间隔"}
    audit_subjects = {"led_screen": "LED 屏", "led_group": "屏幕组",
                      "led_xibo_display": "Xibo 播放器"}

    def attach(self, context: ChannelContext) -> None:
        super().attach(context)
        STORE.attach(context)

    def _read(self, post: PostSnapshot, outlet: OutletInfo):
        with STORE.reading() as db:
            screens = [publishing.screen_info(s)
                       for s in services.screens_for_key(db, outlet.key)]
            source = publishing.load_source(db, post)
        return source, screens

    def check(self, post: PostSnapshot, outlet: OutletInfo) -> list[str]:
        """Why the post cannot be shown on the outlet's screens (Chinese; empty when fine)."""
        source, screens = self._read(post, outlet)
        # No screens (yet, or not committed yet: the check runs beside the publishing
        # transaction) is no reason to refuse the post; delivery reports it if it lasts.
        found = publishing.problems_by_screen(source, screens)
        return publishing.describe_problems(found, screens)

    def render(self, post: PostSnapshot, outlet: OutletInfo) -> dict:
        source, screens = self._read(post, outlet)
        found = publishing.problems_by_screen(source, screens)
        pictures = _preview_pictures(source, [s for s in screens if s.code not in found])
        settings = source.settings
        return {
            "channel": self.name, "outlet": outlet.key, "title": post.title,
            "role": settings.role, "duration_seconds": settings.duration_seconds,
            "priority": settings.priority, "schedule": settings.windows(),
            "screens": [{"code": s.code, "name": s.name, "width": s.width, "height": s.height,
                         "kind": publishing.kind_for(source, s),
                         "problems": found.get(s.code, []),
                         **pictures.get((s.width, s.height), {})} for s in screens],
            "problems": publishing.describe_problems(found, screens)
            or ([] if screens else [f"LED 终端「{outlet.name}」下没有屏幕"]),
        }

    def deliver(self, job: DeliveryJob) -> Receipt:
        source, screens = self._read(job.post, job.outlet)
        if not screens:
            raise PermanentError(f"LED 终端「{job.outlet.name}」下没有屏幕")
        skipped, drawn = publishing.prepare(source, screens)  # outside any transaction
        with STORE.session() as db:
            item = publishing.record(db, job.outlet.id, source, screens, skipped, drawn)
            db.commit()
            item_id = item.id
        url = f"{STORE.config.public_url}/api/v1/led/items/{item_id}"
        return Receipt(external_id=f"led-item-{item_id}", external_url=url)

    def withdraw(self, job: DeliveryJob) -> None:
        with STORE.session() as db:
            if publishing.withdraw_item(db, job.outlet.id, job.post.id):
                db.commit()
        self._tell_operators(job)

    def _tell_operators(self, job: DeliveryJob) -> None:
        """Operators of rented screens in the outlet hear of the withdrawal at their webhook.
        A failed send raises, so the delivery machinery retries the withdrawal (taking the
        item down again changes nothing; every operator is told again, with the same
        X-Hub-Delivery)."""
        config = STORE.config
        with STORE.reading() as db:
            notices = operated.withdrawal_notices(
                db, services.screens_for_key(db, job.outlet.key), job.post.id,
                job.idempotency_key, config.secret(), config.public_url + "/")
        for notice in notices:
            send("POST", notice.url, data=notice.body, headers=notice.headers)

    def lane(self, outlet: OutletInfo) -> str:
        return outlet.key

    def outlet_status(self, outlets: list[OutletInfo]) -> dict[int, str]:
        """An outlet (a group of screens, or one) is offline while any of its screens is: a
        dark screen on a street corner is what the console's health row must show."""
        status = {}
        with STORE.reading() as db:
            for outlet in outlets:
                # An operated screen never connects: its operator plays it.
                screens = [s for s in services.screens_for_key(db, outlet.key)
                           if operated.slot_of(db, s) is None]
                online = bool(screens) and all(services.is_online(s) for s in screens)
                status[outlet.id] = "online" if online else "offline"
        return status

    def console_pages(self) -> list[ConsolePage]:
        return [ConsolePage("led.led_console.screens", "LED 屏幕")]

    def console_refusal_page(self, page: ConsolePage, args: dict) -> tuple[str, dict] | None:
        """A refused form of one screen (its settings, pairing, token) goes back to that
        screen's page, not to the list."""
        if "screen_code" in args:
            return "led.led_console.screen_page", {"code": args["code"],
                                                   "screen_code": args["screen_code"]}
        return super().console_refusal_page(page, args)

    def device_status(self, outlets: list[OutletInfo]) -> list[dict]:
        """Each screen, not each outlet: a group of five screens is five devices."""
        found = []
        with STORE.reading() as db:
            for outlet in outlets:
                for screen in services.screens_for_key(db, outlet.key):
                    found.append({"outlet_id": outlet.id, "name": screen.name,
                                  "online": services.is_online(screen),
                                  "last_seen": services.last_seen(screen)})
        return found

    def post_figures(self, post_ids: list[int]) -> dict[int, dict[str, int]]:
        """Plays the screens reported of each post (proof of play, every screen summed)."""
        with STORE.reading() as db:
            return {post_id: {"大屏播放": plays}
                    for post_id, plays in services.plays_per_post(db, post_ids) if plays}

    def blueprints(self) -> list[Blueprint]:
        return [_blueprint()]

    def load_demo(self, db, config) -> None:
        from adapters.led_screen import demo

        demo.load(db, config)

    def cli(self) -> list:
        from adapters.led_screen.cli import commands

        return commands()


def _preview_pictures(source: publishing.Source, screens: list) -> dict:
    """The very slides delivery will send, by canvas size, for the editor's preview; none
    when drawing is refused (the screen's problems then say why)."""
    try:
        drawn = publishing.draw_sizes(source, screens)
    except PermanentError:
        return {}
    return {(d.width, d.height): {"image_data_url": images.data_url(d.data)} for d in drawn}
