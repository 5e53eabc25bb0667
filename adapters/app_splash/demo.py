"""The demo's splash: the 粤工惠 app's launch slot, reached by the province, Dongguan and
Meizhou through one splash outlet each, with a default splash. Loading twice changes nothing."""

from __future__ import annotations

import io

from sqlalchemy import select

from adapters.app_splash import services
from adapters.app_splash.models import SplashItem, SplashSlot
from hub import ports

SLOT = ("app-launch", "粤工惠 App 启动开屏", "guangdong")
OUTLETS = [("guangdong", "app-launch-guangdong", "粤工惠 App 开屏（省总）"),
           ("dongguan", "app-launch-dongguan", "粤工惠 App 开屏（东莞）"),
           ("meizhou", "app-launch-meizhou", "粤工惠 App 开屏（梅州）")]
SAFE_RULES = {"skip_button": "always", "skip_taps": 1, "skip_after_seconds": 3,
              "tap_area": "button", "shake_trigger": False}


def load(db, config) -> None:
    code, name, owner = SLOT
    province = ports.find_account(db, owner)
    if province is None:
        return
    slot = db.scalar(select(SplashSlot).where(SplashSlot.code == code))
    if slot is None:
        slot = SplashSlot(account_id=province.id, code=code, name=name)
        db.add(slot)
        db.flush()
    for account_code, key, label in OUTLETS:
        account = ports.find_account(db, account_code)
        if account is not None and key not in ports.outlet_keys(db, services.CHANNEL):
            ports.bind_outlet(db, account.code, channel=services.CHANNEL, key=key, name=label,
                        config={"slot": code}, hub_secret=config.secret() if config else "")
    _default_splash(db, slot)


def _default_splash(db, slot: SplashSlot) -> None:
    if db.scalar(select(SplashItem.id).where(SplashItem.slot_id == slot.id,
                                             SplashItem.is_default.is_(True))):
        return
    item = SplashItem(slot_id=slot.id, outlet_id=None, post_id=None, is_default=True,
                title="粤工惠 · 广东工会服务职工", priority=0, regions=[], accounts=[],
                link={"type": "page", "path": "/pages/home/index"}, rules=SAFE_RULES)
    db.add(item)
    for picture in services.draw_picture(_brand_picture(), slot.sizes, "crop"):
        item.images.append(services.store_file(db, picture))
    db.flush()
    services.bump(db, slot.id)


def _brand_picture() -> bytes:
    """A red portrait card with the app's name (in a CJK font when one is installed)."""
    from PIL import Image as Picture
    from PIL import ImageDraw

    from content.layout.fonts import FontMissing, font

    canvas = Picture.new("RGB", (1242, 2688), (200, 16, 46))
    pen = ImageDraw.Draw(canvas)
    try:
        font(12)
    except FontMissing:
        pass  # a plain red card: the demo runs on a machine without the font too
    else:
        for text, size, y in (("粤工惠", 220, 1000), ("广东工会 · 服务职工", 90, 1320)):
            pen.text((621, y), text, font=font(size), fill="white", anchor="mt")
    buffer = io.BytesIO()
    canvas.save(buffer, "JPEG", quality=90)
    return buffer.getvalue()
