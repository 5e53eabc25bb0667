"""The demo's screens: Dongguan's big screens (国贸中心 1920×1080, 鸿福路口 768×384, …),
screens in Humen and Meizhou, one group per account bound as an LED outlet, and a default
program for each; and the 国贸 屏王 ad slot, a screen operated by an advertising company, in
东莞's city group so it gets what those screens get (`dg-guomao`, the hub's own controller
there, keeps polling with its device token). Loading twice changes nothing."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from adapters.led_screen import operated, publishing, services
from adapters.led_screen.models import LedItem, Screen, ScreenGroup
from hub import ports
from hub.channels import OutletInfo
from hub.clock import SHANGHAI

EVENING_BRIGHTNESS = [{"at": "07:00", "percent": 60}, {"at": "18:30", "percent": 100},
                      {"at": "22:00", "percent": 70}]

# code, account, name, place, width, height, controller, draws text
SCREENS = [
    ("dg-guomao", "dongguan", "国贸中心大屏", "东莞国贸中心", 1920, 1080, "novastar", False),
    ("dg-hongfu", "dongguan", "鸿福路口大屏", "鸿福路口", 768, 384, "huidu", True),
    ("dg-nancheng-walk", "dg-nancheng", "南城步行街屏", "南城步行街", 580, 256, "colorlight",
     False),
    ("dg-humen-station", "dg-humen", "虎门高铁站屏", "虎门高铁站广场", 1280, 512, "xixun", False),
    ("dg-humen-bus", "dg-humen", "虎门公交站牌屏", "虎门大道公交站", 128, 64, "huidu", True),
    ("mz-culture-square", "meizhou", "梅州文化广场屏", "梅州文化公园", 1920, 1080, "novastar",
     False),
]

# group code, account, name, screens, default program's title and text
GROUPS = [
    ("dg-city-screens", "dongguan", "东莞市区大屏",
     ["dg-guomao", "dg-hongfu", "dg-nancheng-walk", "dg-guomao-pingwang"],
     "东莞市总工会 · 职工之家", "服务职工 温暖同行"),
    ("dg-humen-screens", "dg-humen", "虎门镇大屏", ["dg-humen-station", "dg-humen-bus"],
     "虎门镇总工会", "职工服务热线 12351"),
    ("mz-screens", "meizhou", "梅州市大屏", ["mz-culture-square"],
     "梅州市总工会", "职工服务热线 12351"),
]


# The rented slot on 国贸中心's big screen (屏王): the operator plays what the hub sends.
OPERATED = ("dg-guomao-pingwang", "dongguan", "国贸屏王广告档期", "东莞国贸中心 屏王", 1920, 1080)
OPERATOR = {"operator": "莞城户外传媒有限公司", "contact": "排期部 0769-2222 8888",
            "seconds_per_loop": 15, "loops_per_hour": 4, "start": "08:00", "end": "22:00"}
SLOT_DAYS = 60


def load(db, config) -> None:
    _operated_slot(db)
    for code, account_code, name, place, width, height, controller, text in SCREENS:
        account = ports.find_account(db, account_code)
        if account is None or db.scalar(select(Screen.id).where(Screen.code == code)):
            continue
        services.create_screen(db, account, code, {
            "name": name, "place": place, "width": width, "height": height,
            "controller": controller, "draws_text": text, "brightness": EVENING_BRIGHTNESS,
            "on_time": "06:30", "off_time": "23:30", "poll_seconds": 60})
    for code, account_code, name, members, title, text in GROUPS:
        account = ports.find_account(db, account_code)
        if account is None:
            continue
        group = db.scalar(select(ScreenGroup).where(ScreenGroup.code == code))
        if group is None:
            group = services.create_group(db, account, code, name)
            services.set_members(db, group, [services.get_screen(db, m) for m in members])
        bound = ports.outlets(db, services.CHANNEL, key=code, enabled_only=False)
        outlet = bound[0] if bound else ports.bind_outlet(
            db, account.code, channel=services.CHANNEL, key=code, name=name,
            hub_secret=config.secret() if config else "")
        _default_program(db, outlet, group, title, text)


def _operated_slot(db) -> None:
    code, account_code, name, place, width, height = OPERATED
    account = ports.find_account(db, account_code)
    if account is None or db.scalar(select(Screen.id).where(Screen.code == code)):
        return
    screen = services.create_screen(db, account, code, {
        "name": name, "place": place, "width": width, "height": height,
        "controller": "generic", "draws_text": False, "poll_seconds": 300})
    today = ports.utcnow().astimezone(SHANGHAI).date()
    operated.set_slot(db, screen, OPERATOR | {
        "from_date": (today - dt.timedelta(days=7)).isoformat(),  # reports of past days
        "to_date": (today + dt.timedelta(days=SLOT_DAYS)).isoformat()})


def _default_program(db, outlet: OutletInfo, group: ScreenGroup, title: str, text: str) -> None:
    """What the group's screens show when nothing else is due."""
    if db.scalar(select(LedItem.id).where(LedItem.outlet_id == outlet.id,
                                          LedItem.role == "default")):
        return
    item = LedItem(outlet_id=outlet.id, post_id=None, role="default", form="auto", title=title,
                text=text, duration_seconds=15, priority=0, share_of_voice=100, schedule=[],
                text_style={}, skipped={})
    db.add(item)
    screens = [publishing.screen_info(s) for s in group.screens]
    source = publishing.default_source(title, text)
    for picture in publishing.draw_sizes(source, screens):
        item.renditions.append(publishing.store_file(db, picture))
    item.text_style = source.settings.text_style.model_dump()
    db.flush()
    services.bump(db, [s.id for s in screens])
