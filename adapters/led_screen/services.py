"""Screens, groups, device tokens and pairing: the LED outlet's registry of controllers.

Functions change rows in the caller's session; the caller commits once.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from adapters.led_screen import controllers, schedule
from adapters.led_screen.models import (
    LedGroupScreen,
    LedPairing,
    LedPlayHour,
    Screen,
    ScreenGroup,
)
from hub import ports
from hub.errors import BadRequest, Conflict, NotFound
from hub.ports import AccountInfo, utcnow
from hub.ports import audit as record

CHANNEL = "led"
TOKEN_PREFIX = "led_"  # noqa: S105  (a marker, not a secret)
CODE = re.compile(r"^[a-z0-9][a-z0-9-]{1,63}$")
MAX_SIDE = 16384
PAIRING_TTL = dt.timedelta(minutes=15)
PAIRING_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: read off a screen
# A screen counts as online when seen within this many poll intervals (and at least 3 min).
ONLINE_POLLS = 3
ONLINE_FLOOR = dt.timedelta(minutes=3)

SCREEN_FIELDS = ("name", "place", "width", "height", "orientation", "controller", "draws_text",
                 "brightness", "on_time", "off_time", "poll_seconds", "min_poll_seconds")


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# -- screens -----------------------------------------------------------------------------

def get_screen(db: Session, code: str) -> Screen:
    screen = db.scalar(select(Screen).where(Screen.code == code))
    if screen is None:
        raise NotFound(f"没有屏幕 {code}", field="screen")
    return screen


def _check_code(db: Session, code: str, field: str) -> None:
    if not CODE.match(code or ""):
        raise BadRequest("代码只能用小写字母、数字和横线（2–64 位）", field=field)
    taken = db.scalar(select(Screen.id).where(Screen.code == code)) or \
        db.scalar(select(ScreenGroup.id).where(ScreenGroup.code == code))
    if taken:
        raise Conflict(f"代码 {code} 已被屏幕或屏幕组使用", field=field)


def _check_screen_fields(fields: dict) -> None:
    for side in ("width", "height"):
        if side in fields and not 1 <= int(fields[side]) <= MAX_SIDE:
            raise BadRequest(f"{side} 应为 1–{MAX_SIDE} 像素", field=side)
    if fields.get("controller", "generic") not in controllers.PROFILES:
        raise BadRequest(f"未知的控制器，可选：{', '.join(controllers.PROFILES)}",
                         field="controller")
    if fields.get("orientation", "landscape") not in ("landscape", "portrait"):
        raise BadRequest("orientation 为 landscape 或 portrait", field="orientation")
    for name in ("on_time", "off_time"):
        if fields.get(name) is not None:
            try:
                schedule.parse_clock(fields[name], name)
            except schedule.ScheduleError as exc:
                raise BadRequest(exc.message, field=name) from None
    for i, step in enumerate(fields.get("brightness") or []):
        try:
            schedule.parse_clock(step.get("at"), f"brightness.{i}.at")
        except schedule.ScheduleError as exc:
            raise BadRequest(exc.message, field=exc.field) from None
        if not isinstance(step.get("percent"), int) or not 0 <= step["percent"] <= 100:
            raise BadRequest("亮度为 0–100 的整数", field=f"brightness.{i}.percent")


def create_screen(db: Session, account: AccountInfo, code: str, fields: dict, *, actor=None
                  ) -> Screen:
    _check_code(db, code, "code")
    _check_screen_fields(fields)
    values = {name: fields[name] for name in SCREEN_FIELDS if fields.get(name) is not None}
    values.setdefault("orientation",
                      "portrait" if values["height"] > values["width"] else "landscape")
    values.setdefault("brightness", [])
    screen = Screen(account_id=account.id, code=code, reported_status={}, playlist_version=1,
                    **values)
    db.add(screen)
    db.flush()
    record(db, actor=actor, action="led.screen.create", account_id=account.id,
           subject_type="led_screen", subject_id=screen.id, code=code,
           size=f"{screen.width}x{screen.height}")
    return screen


def update_screen(db: Session, screen: Screen, changes: dict, *, actor=None) -> Screen:
    _check_screen_fields(changes)
    for name in SCREEN_FIELDS:
        if name in changes:
            setattr(screen, name, changes[name])
    bump(db, [screen.id])
    record(db, actor=actor, action="led.screen.update", account_id=screen.account_id,
           subject_type="led_screen", subject_id=screen.id, fields=sorted(changes))
    return screen


def is_online(screen: Screen, now: dt.datetime | None = None) -> bool:
    seen = last_seen(screen)
    if seen is None:
        return False
    window = max(ONLINE_FLOOR, dt.timedelta(seconds=screen.poll_seconds * ONLINE_POLLS))
    return (now or utcnow()) - seen <= window


def last_seen(screen: Screen) -> dt.datetime | None:
    times = [t for t in (screen.last_poll_at, screen.last_heartbeat_at) if t is not None]
    return max(times) if times else None


def bump(db: Session, screen_ids: list[int]) -> None:
    """What these screens must show changed: their next poll gets a new playlist."""
    if screen_ids:
        db.execute(update(Screen).where(Screen.id.in_(screen_ids))
                   .values(playlist_version=Screen.playlist_version + 1))


# -- groups and outlets --------------------------------------------------------------------

def get_group(db: Session, code: str) -> ScreenGroup:
    group = db.scalar(select(ScreenGroup).where(ScreenGroup.code == code))
    if group is None:
        raise NotFound(f"没有屏幕组 {code}", field="group")
    return group


def create_group(db: Session, account: AccountInfo, code: str, name: str, *, actor=None
                 ) -> ScreenGroup:
    _check_code(db, code, "code")
    group = ScreenGroup(account_id=account.id, code=code, name=name)
    db.add(group)
    db.flush()
    record(db, actor=actor, action="led.group.create", account_id=account.id,
           subject_type="led_group", subject_id=group.id, code=code)
    return group


def set_members(db: Session, group: ScreenGroup, screens: list[Screen], *, actor=None) -> None:
    """The group's screens become exactly `screens` (each within the group's account)."""
    owner = owner_of(db, group)
    for screen in screens:
        if not owner_of(db, screen).is_within(owner):
            raise BadRequest(f"屏幕 {screen.code} 不属于 {owner.name} 及其下级",
                             field="screens")
    before = {s.id for s in group.screens}
    group.screens = list(screens)
    db.flush()
    bump(db, sorted(before | {s.id for s in screens}))
    record(db, actor=actor, action="led.group.members", account_id=group.account_id,
           subject_type="led_group", subject_id=group.id,
           screens=[s.code for s in screens])


def joinable_groups(db: Session, account: AccountInfo) -> list[ScreenGroup]:
    """Groups a screen of this account may join: those of the account or above it."""
    return list(db.scalars(select(ScreenGroup).where(
        ScreenGroup.account_id.in_(account.ancestor_ids())).order_by(ScreenGroup.code)))


def set_screen_groups(db: Session, screen: Screen, codes: list[str], *, actor=None) -> None:
    """The screen's groups become exactly those named by `codes`, each one it may join."""
    joinable = joinable_groups(db, owner_of(db, screen))
    unknown = set(codes) - {group.code for group in joinable}
    if unknown:
        raise BadRequest(f"屏幕 {screen.code} 不能加入屏幕组 {'、'.join(sorted(unknown))}："
                         "只能加入本屏所属账号或其上级账号的屏幕组", field="groups")
    for group in joinable:
        inside = any(member.id == screen.id for member in group.screens)
        if (group.code in codes) == inside:
            continue
        others = [member for member in group.screens if member.id != screen.id]
        set_members(db, group, others if inside else [*others, screen], actor=actor)


def free_group_code(db: Session, account: AccountInfo) -> str:
    """A group code nobody uses yet, offered when an admin makes a group in the console."""
    base = f"{account.code}-screens"[:58]
    for n in range(1, 100):
        code = base if n == 1 else f"{base}-{n}"
        taken = db.scalar(select(Screen.id).where(Screen.code == code)) or \
            db.scalar(select(ScreenGroup.id).where(ScreenGroup.code == code))
        if not taken:
            return code
    return ""


def create_outlet_group(db: Session, account: AccountInfo, code: str, name: str, *,
                        hub_secret: str, actor=None) -> ScreenGroup:
    """A group bound at once as the account's LED outlet (its code the key), so what the
    account publishes reaches the screens that join it."""
    if not name:
        raise BadRequest("请填写屏幕组名称", field="group_name")
    group = create_group(db, account, code, name, actor=actor)
    ports.bind_outlet(db, account.code, channel=CHANNEL, key=code, name=name,
                      hub_secret=hub_secret, actor=actor)
    return group


def screens_for_key(db: Session, key: str) -> list[Screen]:
    """An LED outlet's key names a screen group or a single screen."""
    group = db.scalar(select(ScreenGroup).where(ScreenGroup.code == key))
    if group is not None:
        return list(group.screens)
    screen = db.scalar(select(Screen).where(Screen.code == key))
    return [screen] if screen is not None else []


def outlet_keys_for(db: Session, screen: Screen) -> list[str]:
    groups = db.scalars(select(ScreenGroup.code).join(
        LedGroupScreen, LedGroupScreen.group_id == ScreenGroup.id).where(
        LedGroupScreen.screen_id == screen.id))
    return [screen.code, *groups]


def outlet_ids_for(db: Session, screen: Screen) -> list[int]:
    keys = set(outlet_keys_for(db, screen))
    return [outlet.id for outlet in ports.outlets(db, CHANNEL) if outlet.key in keys]


def owner_of(db: Session, row: Screen | ScreenGroup) -> AccountInfo:
    """The account a screen or group belongs to."""
    return ports.account_by_id(db, row.account_id)


# -- device tokens and pairing -------------------------------------------------------------

def issue_token(db: Session, screen: Screen, *, actor=None) -> str:
    """A new device token for the screen (the old one stops working); shown only now."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    screen.token_hash = hash_token(token)
    screen.token_issued_at, screen.token_revoked_at = utcnow(), None
    record(db, actor=actor, action="led.token.issue", account_id=screen.account_id,
           subject_type="led_screen", subject_id=screen.id)
    return token


def revoke_token(db: Session, screen: Screen, *, actor=None) -> None:
    if screen.token_hash is not None:
        screen.token_hash, screen.token_revoked_at = None, utcnow()
        record(db, actor=actor, action="led.token.revoke", account_id=screen.account_id,
               subject_type="led_screen", subject_id=screen.id)


def start_pairing(db: Session) -> tuple[LedPairing, str]:
    """A new controller asks to pair: a code for its canvas and a secret for itself."""
    now = utcnow()
    db.execute(LedPairing.__table__.delete().where(LedPairing.expires_at < now))
    for _ in range(20):
        code = "".join(secrets.choice(PAIRING_ALPHABET) for _ in range(6))
        if db.scalar(select(LedPairing.id).where(LedPairing.code == code)) is None:
            break
    secret = secrets.token_urlsafe(32)
    pairing = LedPairing(code=code, claim_hash=hash_token(secret), expires_at=now + PAIRING_TTL)
    db.add(pairing)
    db.flush()
    return pairing, secret


def claim_pairing(db: Session, screen: Screen, code: str, *, actor=None) -> None:
    """An editor types the code shown on the canvas: that controller becomes this screen."""
    normalised = (code or "").strip().upper().replace("-", "").replace(" ", "")
    pairing = db.scalar(select(LedPairing).where(LedPairing.code == normalised))
    if pairing is None or pairing.expires_at < utcnow():
        raise NotFound("配对码不存在或已过期，请在屏幕上重新获取", field="pairing_code")
    if pairing.screen_id is not None and pairing.screen_id != screen.id:
        raise Conflict("该配对码已用于另一块屏幕", field="pairing_code")
    pairing.screen_id = screen.id
    record(db, actor=actor, action="led.pairing.claim", account_id=screen.account_id,
           subject_type="led_screen", subject_id=screen.id)


def finish_pairing(db: Session, secret: str) -> tuple[Screen, str] | None:
    """The controller trades its secret for a token once an editor claimed its code;
    None while nobody has."""
    pairing = db.scalar(select(LedPairing).where(LedPairing.claim_hash == hash_token(secret or "")))
    if pairing is None or pairing.expires_at < utcnow():
        raise NotFound("配对请求不存在或已过期，请重新配对", field="claim_secret")
    if pairing.screen_id is None:
        return None
    screen = db.get(Screen, pairing.screen_id)
    db.delete(pairing)
    return screen, issue_token(db, screen)


def plays_per_post(db: Session, post_ids: list[int]) -> list[tuple[int, int]]:
    """(post id, plays) summed over every screen and hour reported."""
    return list(db.execute(select(LedPlayHour.post_id, func.sum(LedPlayHour.plays))
                           .where(LedPlayHour.post_id.in_(post_ids))
                           .group_by(LedPlayHour.post_id)).all())
