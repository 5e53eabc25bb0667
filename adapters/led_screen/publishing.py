"""A post's LED form on an outlet's screens: what each screen would get, why it could not,
and recording it (deliver) or taking it down (withdraw).

Delivery reads what it needs, draws the pictures outside any transaction (drawing takes
time; a database lock should not), then writes the item, its files and the screens' new
playlist versions in one short transaction. Repeating it rewrites the same rows.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from adapters.led_screen import controllers, forms, options, services
from adapters.led_screen.models import LedItem, LedRendition, Screen
from hub import ports
from hub.channels import PermanentError, PostSnapshot
from hub.clock import as_utc
from hub.ports import blobs, utcnow

CHANNEL = services.CHANNEL


@dataclass(frozen=True)
class Source:
    """Everything the LED form of a post depends on, read once."""

    post: PostSnapshot
    settings: options.LedOptions
    cover: bytes | None
    cover_size: tuple[int, int] | None
    theme: str


@dataclass(frozen=True)
class ScreenInfo:
    id: int
    code: str
    name: str
    width: int
    height: int
    controller: str
    draws_text: bool

    @property
    def label(self) -> str:
        return f"「{self.name}」({self.code}，{self.width}×{self.height})"


def screen_info(screen: Screen) -> ScreenInfo:
    return ScreenInfo(screen.id, screen.code, screen.name, screen.width, screen.height,
                      screen.controller, screen.draws_text)


def load_source(db: Session, post: PostSnapshot) -> Source:
    settings = options.STORE.parse(post.options)  # this version's, as it went through review
    cover, cover_size = None, None
    if post.cover is not None:
        cover, cover_size = ports.media_bytes(db, post.cover), (post.cover.width,
                                                                post.cover.height)
    account = ports.find_account(db, post.account_code)
    theme = account.theme_color if account is not None else forms.DEFAULT_THEME
    return Source(post, settings, cover, cover_size, theme or forms.DEFAULT_THEME)


def kind_of(form: str, has_video: bool, draws_text: bool) -> str:
    """What a screen gets: the video, text it draws itself, or a picture drawn for it."""
    if has_video and form in ("auto", "video"):
        return "video"
    if form == "text" and draws_text:
        return "text"
    return "image"


def kind_for(source: Source, screen: ScreenInfo) -> str:
    return kind_of(source.settings.form, source.settings.video is not None, screen.draws_text)


def card_for(source: Source, width: int, height: int) -> forms.Card:
    return forms.card_for(source.post, source.settings, source.cover, source.cover_size,
                          source.theme, width, height)


def screen_problems(source: Source, screen: ScreenInfo) -> list[str]:
    """Why this post cannot be shown on this screen (empty: it can)."""
    settings = source.settings
    if settings.form == "video" and settings.video is None:
        return ["选择了视频形式，但没有提供视频"]
    kind = kind_for(source, screen)
    if kind == "video":
        return _video_problems(settings.video, screen)
    if kind == "text":
        size = settings.text_style.size
        if size > screen.height:
            return [f"文字字号 {size} 像素超过屏高 {screen.height} 像素"]
        if size < forms.MIN_TEXT_PX:
            return [f"文字字号 {size} 像素过小，无法辨认"]
        return []
    found = forms.problems(card_for(source, screen.width, screen.height))
    return found + controllers.size_problems(screen.controller, screen.width, screen.height)


def _video_problems(video: options.Video, screen: ScreenInfo) -> list[str]:
    found = controllers.size_problems(screen.controller, video.width, video.height,
                                      video.byte_size)
    ratio = (video.width / video.height) / (screen.width / screen.height)
    if not 0.9 <= ratio <= 1.1:
        found.append(f"视频 {video.width}×{video.height} 与屏幕比例不一致，会被拉伸或留黑边")
    return found


def problems_by_screen(source: Source, screens: list[ScreenInfo]) -> dict[str, list[str]]:
    return {s.code: p for s in screens if (p := screen_problems(source, s))}


def describe_problems(found: dict[str, list[str]], screens: list[ScreenInfo]) -> list[str]:
    by_code = {s.code: s for s in screens}
    return [f"{by_code[code].label}：{problem}" for code, items in found.items()
            for problem in items]


# -- drawing -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Drawn:
    width: int
    height: int
    data: bytes
    mime_type: str
    sha256: str


def draw_sizes(source: Source, screens: list[ScreenInfo]) -> list[Drawn]:
    """One picture per canvas size among the screens that show a picture."""
    sizes = sorted({(s.width, s.height) for s in screens if kind_for(source, s) == "image"})
    drawn = []
    for width, height in sizes:
        try:
            data, mime = forms.draw(card_for(source, width, height))
        except forms.FontMissing as exc:
            raise PermanentError(str(exc)) from None
        drawn.append(Drawn(width, height, data, mime, hashlib.sha256(data).hexdigest()))
    return drawn


def _bytes_problems(drawn: list[Drawn], screens: list[ScreenInfo]) -> dict[str, list[str]]:
    sizes = {(d.width, d.height): len(d.data) for d in drawn}
    found = {}
    for screen in screens:
        size = sizes.get((screen.width, screen.height))
        limit = controllers.profile(screen.controller).max_file_bytes
        if size and limit and size > limit:
            found[screen.code] = controllers.size_problems(screen.controller, screen.width,
                                                           screen.height, size)
    return found


# -- recording -----------------------------------------------------------------------------

def store_file(db: Session, picture: Drawn, rendition: LedRendition | None = None) -> LedRendition:
    """Keep the picture's bytes in the hub's blobs; the rendition (a new one unless given)
    names them, with their type and size for the playlist."""
    blobs.put(db, picture.data, picture.mime_type)
    rendition = rendition or LedRendition(width=picture.width, height=picture.height)
    rendition.file_sha256, rendition.mime_type = picture.sha256, picture.mime_type
    rendition.byte_size = len(picture.data)
    return rendition


def upsert_item(db: Session, outlet_id: int, source: Source, skipped: dict[str, str],
                drawn: list[Drawn]) -> LedItem:
    post, settings = source.post, source.settings
    item = db.scalar(select(LedItem).where(LedItem.outlet_id == outlet_id,
                                           LedItem.post_id == post.id))
    if item is None:
        item = LedItem(outlet_id=outlet_id, post_id=post.id)
        db.add(item)
    item.post_version = post.version
    item.role, item.form = settings.role, settings.form
    item.title = post.title
    # What a text controller scrolls: the title, then the summary when there is one.
    item.text = f"{post.title}　{post.summary}" if post.summary else post.title
    item.duration_seconds = (settings.video.duration_seconds if settings.video
                             and settings.form in ("auto", "video") else settings.duration_seconds)
    item.priority, item.share_of_voice = settings.priority, settings.share_of_voice
    item.schedule = settings.windows()
    item.valid_from = _instant(post.valid_from)
    item.valid_until = _instant(post.valid_until)
    item.text_style = settings.text_style.model_dump()
    item.video = settings.video.model_dump(mode="json") if settings.video else None
    item.skipped = skipped
    item.withdrawn_at = None
    item.updated_at = utcnow()
    wanted = {(d.width, d.height): d for d in drawn}
    for rendition in list(item.renditions):
        picture = wanted.pop((rendition.width, rendition.height), None)
        if picture is None:
            item.renditions.remove(rendition)
        else:
            store_file(db, picture, rendition)
    for picture in wanted.values():
        item.renditions.append(store_file(db, picture))
    db.flush()
    return item


def _instant(value: str | None) -> dt.datetime | None:
    return as_utc(dt.datetime.fromisoformat(value)) if value else None


def prepare(source: Source, screens: list[ScreenInfo]) -> tuple[dict[str, str], list[Drawn]]:
    """Check and draw (no database): which screens cannot show the post and why, and the
    pictures for the others. Raises PermanentError when no screen can show it."""
    found = problems_by_screen(source, screens)
    showable = [s for s in screens if s.code not in found]
    drawn = draw_sizes(source, showable) if showable else []
    found |= _bytes_problems(drawn, showable)
    if all(s.code in found for s in screens):
        raise PermanentError("；".join(describe_problems(found, screens)) or "没有可显示的屏幕")
    return {code: "；".join(items) for code, items in found.items()}, drawn


def record(db: Session, outlet_id: int, source: Source, screens: list[ScreenInfo],
           skipped: dict[str, str], drawn: list[Drawn]) -> LedItem:
    """Write the prepared form and move the screens' playlist versions."""
    item = upsert_item(db, outlet_id, source, skipped, drawn)
    services.bump(db, [s.id for s in screens])
    return item


def withdraw_item(db: Session, outlet_id: int, post_id: int) -> bool:
    item = db.scalar(select(LedItem).where(LedItem.outlet_id == outlet_id,
                                           LedItem.post_id == post_id))
    if item is None or item.withdrawn_at is not None:
        return False
    item.withdrawn_at = utcnow()
    screens = services.screens_for_key(db, ports.outlet(db, outlet_id).key)
    services.bump(db, [s.id for s in screens])
    return True


def redraw_for_screen(db: Session, screen: Screen) -> int:
    """A screen joined a group or changed size: draw the live items it lacks at its size.
    Returns how many pictures were drawn."""
    drawn_count = 0
    info = screen_info(screen)
    outlet_ids = services.outlet_ids_for(db, screen)
    items = db.scalars(select(LedItem).where(LedItem.outlet_id.in_(outlet_ids),
                                          LedItem.withdrawn_at.is_(None)))
    for item in items:
        if any((r.width, r.height) == (screen.width, screen.height) for r in item.renditions):
            continue
        if item.post_id is None:  # a default program
            source = default_source(item.title, item.text)
        else:
            source = load_source(db, post_snapshot(db, item.post_id, item.outlet_id))
        if kind_for(source, info) != "image" or screen_problems(source, info):
            continue
        for picture in draw_sizes(source, [info]):
            item.renditions.append(store_file(db, picture))
            drawn_count += 1
    db.flush()
    return drawn_count


def default_source(title: str, text: str, theme: str = forms.DEFAULT_THEME) -> Source:
    """A default program's card: a title and a line of text, no post behind it."""
    post = PostSnapshot(id=0, version=0, kind="article", account_code="", account_name="",
                        title=title, summary=text, body="", body_html="", link_url=None,
                        cover_url=None, valid_from=None, valid_until=None,
                        origin_account_code="")
    return Source(post, options.LedOptions(), None, None, theme)


def post_snapshot(db: Session, post_id: int, outlet_id: int) -> PostSnapshot | None:
    """The post as the LED outlet sees it (its "led" overrides applied), for drawing outside
    a delivery (previews, a screen that joined a group); media by the hub's own path."""
    outlet = ports.outlet(db, outlet_id)
    return ports.post_snapshot(db, post_id, CHANNEL, outlet.account_code, public_url="")
