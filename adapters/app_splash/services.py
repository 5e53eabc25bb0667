"""Splash items from promotions: what a splash needs, why a post cannot be one, drawing its
images at every size of the slot from one upload, and recording or withdrawing it."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from adapters.app_splash import rules
from adapters.app_splash.models import (
    SplashDailyCount,
    SplashImage,
    SplashItem,
    SplashSlot,
)
from content import images, layout
from content.layout.design import DEFAULT_THEME
from hub import ports
from hub.channels import PermanentError, PostSnapshot
from hub.clock import as_utc
from hub.errors import BadRequest, Conflict, NotFound
from hub.ports import AccountInfo, blobs, utcnow

CHANNEL = "splash"
MAX_IMAGE_BYTES = 600 * 1024  # the app preloads these over mobile data
MIN_KEPT_AREA = 0.5
MAX_UPSCALE = 2.0
OUTLET = "splash"
CALL_TO_ACTION = "立即参与"
FORMS = layout.FormCache(entries=32)


@dataclass(frozen=True)
class Source:
    post: PostSnapshot
    settings: rules.SplashOptions
    cover: bytes | None
    cover_size: tuple[int, int] | None
    account: AccountInfo | None


def get_slot(db: Session, code: str) -> SplashSlot:
    slot = db.scalar(select(SplashSlot).where(SplashSlot.code == code))
    if slot is None:
        raise NotFound(f"没有开屏位 {code}", field="slot")
    return slot


SLOT_CODE = re.compile(r"^[a-z0-9][a-z0-9-]{1,63}$")
SIZE = re.compile(r"^\s*(\d{2,5})\s*[x×X*]\s*(\d{2,5})\s*$")
MIN_SIDE, MAX_SIDE, MAX_SIZES = 200, 4096, 8


def parse_sizes(text: str) -> list[list[int]]:
    """"1080×1920" lines (or comma-separated) -> [[1080, 1920], ...] (see check_sizes);
    BadRequest in Chinese naming the line that is not a size."""
    sizes: list[list[int]] = []
    for part in re.split(r"[\n,，;；]+", text or ""):
        if not part.strip():
            continue
        match = SIZE.match(part)
        if not match:
            raise BadRequest(f"「{part.strip()}」不是尺寸：请写成 宽×高，如 1080×1920",
                             field="sizes")
        sizes.append([int(match.group(1)), int(match.group(2))])
    return check_sizes(sizes)


def check_sizes(sizes: list[list[int]]) -> list[list[int]]:
    """The slot's sizes in the given order, repeats dropped; BadRequest when one is out of
    range, none is given or too many are."""
    kept: list[list[int]] = []
    for width, height in sizes:
        if not (MIN_SIDE <= width <= MAX_SIDE and MIN_SIDE <= height <= MAX_SIDE):
            raise BadRequest(f"尺寸 {width}×{height} 超出范围：宽和高应在 {MIN_SIDE}–{MAX_SIDE} "
                             "像素之间", field="sizes")
        if [width, height] not in kept:
            kept.append([width, height])
    if not kept:
        raise BadRequest("至少填写一个尺寸（宽×高）", field="sizes")
    if len(kept) > MAX_SIZES:
        raise BadRequest(f"尺寸最多 {MAX_SIZES} 个", field="sizes")
    return kept


def _slot_name(name: str) -> str:
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise BadRequest("请填写开屏位名称（100 字以内）", field="name")
    return name


def create_slot(db: Session, account: AccountInfo, code: str, name: str,
                sizes: list[list[int]], *, actor=None) -> SplashSlot:
    """A new slot of the account (audited); its code is what the app asks the manifest for."""
    if not SLOT_CODE.match(code or ""):
        raise BadRequest("开屏位代码只能用小写字母、数字和横线（2–64 位）", field="code")
    if db.scalar(select(SplashSlot.id).where(SplashSlot.code == code)) is not None:
        raise Conflict(f"开屏位代码 {code} 已被使用", field="code")
    slot = SplashSlot(account_id=account.id, code=code, name=_slot_name(name),
                      sizes=check_sizes(sizes))
    db.add(slot)
    db.flush()
    ports.audit(db, actor=actor, action="splash.slot.create", account_id=account.id,
                subject_type="splash_slot", subject_id=slot.id, slot=code, sizes=sizes)
    return slot


def update_slot(db: Session, slot: SplashSlot, name: str, sizes: list[list[int]], *,
                actor=None) -> SplashSlot:
    """Rename the slot or change its sizes (audited). Splashes already live keep the sizes
    they were drawn at; those published from now on are drawn at the new ones."""
    sizes = check_sizes(sizes)
    slot.name, changed = _slot_name(name), sizes != slot.sizes
    slot.sizes = sizes
    if changed:
        bump(db, slot.id)
    ports.audit(db, actor=actor, action="splash.slot.update", account_id=slot.account_id,
                subject_type="splash_slot", subject_id=slot.id, slot=slot.code, sizes=sizes)
    return slot


APP_KEY_PREFIX = "spk_"


def issue_app_key(db: Session, slot: SplashSlot, *, actor=None) -> str:
    """A new app key for the slot (the old one stops working); only its hash is kept, so this
    is the one chance to see it. The app sends it with its impression and click reports."""
    key = APP_KEY_PREFIX + secrets.token_urlsafe(32)
    slot.app_key_hash = hashlib.sha256(key.encode()).hexdigest()
    db.flush()
    ports.audit(db, actor=actor, action="splash.app_key.issue", account_id=slot.account_id,
                subject_type="splash_slot", subject_id=slot.id, slot=slot.code)
    return key


def slot_for_app_key(db: Session, key: str) -> SplashSlot | None:
    if not key:
        return None
    digest = hashlib.sha256(key.encode()).hexdigest()
    return db.scalar(select(SplashSlot).where(SplashSlot.app_key_hash == digest))


def slot_for_outlet(db: Session, key: str, config: dict) -> SplashSlot | None:
    """A splash outlet names its slot in config["slot"] (or is keyed by the slot's code)."""
    return db.scalar(select(SplashSlot).where(SplashSlot.code == (config or {}).get("slot", key)))


def load_source(db: Session, post: PostSnapshot) -> Source:
    settings = rules.STORE.parse(post.options)  # this version's, as it went through review
    cover, cover_size = None, None
    if post.cover is not None:
        cover, cover_size = ports.media_bytes(db, post.cover), (post.cover.width,
                                                                post.cover.height)
    return Source(post, settings, cover, cover_size, ports.find_account(db, post.account_code))


def problems(source: Source, sizes: list[list[int]]) -> list[str]:
    """Why this post cannot go out as a splash (Chinese; empty when it can)."""
    if own_picture(source):
        found = _cover_problems(source, sizes)
    else:
        found = _design_problems(source, sizes)
    return found + rules.problems(source.settings)


def own_picture(source: Source) -> bool:
    """The editor gave the splash its own picture (a finished poster): it is shown as it is.
    Otherwise the hub designs the poster from the post (content.layout)."""
    return source.cover is not None and source.post.cover_override


def design(source: Source) -> layout.Design:
    account = source.account
    return layout.Design(
        title=source.post.title, summary=source.post.summary, cover=source.cover,
        cover_size=source.cover_size, focal=source.post.cover.focal if source.post.cover else None,
        account_name=account.name if account else source.post.account_name,
        theme=(account.theme_color if account else "") or DEFAULT_THEME,
        call_to_action=CALL_TO_ACTION)


def _design_problems(source: Source, sizes: list[list[int]]) -> list[str]:
    found = []
    for width, height in sizes:
        try:
            layout.plan(design(source), OUTLET, width, height)
        except layout.LayoutRefused as exc:
            found.append(exc.reason)
    return found


def _cover_problems(source: Source, sizes: list[list[int]]) -> list[str]:
    cover_w, cover_h = source.cover_size
    found = []
    for width, height in sizes:
        if source.settings.fit == "crop":
            kept = min(width / height, cover_w / cover_h) / max(width / height, cover_w / cover_h)
            if kept < MIN_KEPT_AREA:
                found.append(f"开屏专用图 {cover_w}×{cover_h} 裁成 {width}×{height} 只剩 "
                             f"{kept:.0%} 画面；请上传竖版图片或选 fit（留边）")
                break
    largest_w, largest_h = max(sizes, key=lambda s: s[0] * s[1])
    stretch = max if source.settings.fit == "crop" else min  # "fit" only shrinks to fit
    scale = stretch(largest_w / cover_w, largest_h / cover_h)
    if scale > MAX_UPSCALE:
        found.append(f"开屏专用图 {cover_w}×{cover_h} 太小，放大到 {largest_w}×{largest_h} 会模糊")
    return found


@dataclass(frozen=True)
class Drawn:
    width: int
    height: int
    data: bytes
    sha256: str


def draw(source: Source, sizes: list[list[int]]) -> list[Drawn]:
    """The splash at every size of the slot: the editor's own picture fitted or cropped, or
    the poster the hub designs (drawn once per design and size: FORMS caches them)."""
    if own_picture(source):
        focal = source.post.cover.focal if source.post.cover else None
        return draw_picture(source.cover, sizes, source.settings.fit, focal)
    drawn = []
    for width, height in sizes:
        try:
            form = FORMS.get(design(source), OUTLET, width, height)
        except layout.LayoutRefused as exc:
            raise PermanentError(f"开屏图片 {width}×{height}：{exc.reason}") from None
        data = form.data if form.mime_type == "image/jpeg" else _as_jpeg(form.data, width, height)
        drawn.append(Drawn(width, height, data, hashlib.sha256(data).hexdigest()))
    return drawn


def draw_picture(picture: bytes, sizes: list[list[int]], fit: str,
                 focal: tuple[float, float] | None = None) -> list[Drawn]:
    drawn = []
    for width, height in sizes:
        try:
            data = images.render(picture, width, height, mode=fit, format="JPEG",
                                 background="#FFFFFF", max_bytes=MAX_IMAGE_BYTES, focal=focal)
        except images.ImageRejected as exc:
            raise PermanentError(f"开屏图片 {width}×{height}：{exc.reason}") from None
        drawn.append(Drawn(width, height, data, hashlib.sha256(data).hexdigest()))
    return drawn


def _as_jpeg(data: bytes, width: int, height: int) -> bytes:
    """The app caches splash files as JPEG: a text-only poster (PNG) is converted."""
    return images.render(data, width, height, format="JPEG", max_bytes=MAX_IMAGE_BYTES)


def store_file(db: Session, picture: Drawn, image: SplashImage | None = None,
               mime_type: str = "image/jpeg") -> SplashImage:
    """Keep the picture's bytes in the hub's blobs; the image (a new one unless given) names
    them, with their type and size for the manifest."""
    blobs.put(db, picture.data, mime_type)
    image = image or SplashImage(width=picture.width, height=picture.height)
    image.file_sha256, image.mime_type, image.byte_size = (picture.sha256, mime_type,
                                                           len(picture.data))
    return image


def _instant(value: str | None) -> dt.datetime | None:
    return as_utc(dt.datetime.fromisoformat(value)) if value else None


def record(db: Session, slot: SplashSlot, outlet_id: int, outlet_account: AccountInfo,
           source: Source,
           drawn: list[Drawn]) -> SplashItem:
    """Write the splash item (one per outlet and post) and move the slot's version."""
    post, settings = source.post, source.settings
    item = db.scalar(select(SplashItem).where(SplashItem.outlet_id == outlet_id,
                                              SplashItem.post_id == post.id))
    if item is None:
        item = SplashItem(slot_id=slot.id, outlet_id=outlet_id, post_id=post.id)
        db.add(item)
    item.post_version, item.is_default = post.version, settings.is_default
    item.title = post.title
    item.starts_at = settings.starts_at or _instant(post.valid_from)
    item.ends_at = settings.ends_at or _instant(post.valid_until)
    item.priority, item.daily_cap = settings.priority, settings.daily_cap
    # By default a splash reaches the publishing account's area (the app knows its city at
    # launch, before anyone logs in); editors may aim by region and account instead.
    if settings.regions is None and settings.accounts is None:
        own = region_prefix(outlet_account.region_code)
        item.regions, item.accounts = ([own], []) if own else ([], [outlet_account.code])
    else:
        item.regions = [region_prefix(r) for r in settings.regions or []]
        item.accounts = list(settings.accounts or [])
    item.link = _link(settings, post)
    item.rules = settings.app_rules()
    item.withdrawn_at, item.updated_at = None, utcnow()
    wanted = {(d.width, d.height): d for d in drawn}
    for image in list(item.images):
        picture = wanted.pop((image.width, image.height), None)
        if picture is None:
            item.images.remove(image)
        else:
            store_file(db, picture, image)
    for picture in wanted.values():
        item.images.append(store_file(db, picture))
    db.flush()
    bump(db, slot.id)
    return item


def region_prefix(code: str | None) -> str:
    """An administrative code as the prefix its area's codes share: 440000 (广东) -> 44,
    441900 (东莞) -> 4419, 441402 (梅江区) stays."""
    code = (code or "").strip()
    while len(code) > 2 and code.endswith("00"):
        code = code[:-2]
    return code


def _link(settings: rules.SplashOptions, post: PostSnapshot) -> dict:
    link = post.link_from(OUTLET)
    if settings.link.type == "none" and link and link.startswith("https://"):
        return {"type": "h5", "url": link}
    return settings.link.model_dump(mode="json", exclude_none=True)


def withdraw(db: Session, outlet_id: int, post_id: int) -> bool:
    item = db.scalar(select(SplashItem).where(SplashItem.outlet_id == outlet_id,
                                              SplashItem.post_id == post_id))
    if item is None or item.withdrawn_at is not None:
        return False
    item.withdrawn_at = utcnow()
    bump(db, item.slot_id)
    return True


def bump(db: Session, slot_id: int) -> None:
    db.execute(update(SplashSlot).where(SplashSlot.id == slot_id)
               .values(version=SplashSlot.version + 1))


def impressions_per_post(db: Session, post_ids: list[int]) -> list[tuple[int, int]]:
    """(post id, times the app showed it) over every day counted."""
    return list(db.execute(select(SplashDailyCount.post_id, func.sum(SplashDailyCount.impressions))
                           .where(SplashDailyCount.post_id.in_(post_ids))
                           .group_by(SplashDailyCount.post_id)).all())
