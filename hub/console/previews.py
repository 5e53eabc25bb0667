"""Previews: each outlet's `render(snapshot, outlet)` shown the way the outlet shows it.

The console knows no channel. It reads a few conventional keys from whatever `render`
returns and falls back to listing the fields:
  preview_html  a complete HTML document (the outlet's own page)
  html, content an HTML fragment (shown under `title` and `summary` or `digest`)
  image_url / image_data_url / svg   a picture of the outlet's form (a slide, a splash)
  width, height the outlet's pixel size; the preview keeps its proportions
  screens       [{name, width, height, image_data_url?, problems?}, ...]: several screens at
                once, each drawn at its exact size (scaled to fit, or 1:1 on request)
  rules.skip_button / skip_button  a splash: its skip button is drawn over the picture
  data, page, labels  a subscribe message ({key: {"value": …}}): drawn as WeChat's card
  frame         "phone", "browser" or "screen": how to draw the surroundings
  problems      [str, ...]: what stops the post going out there, shown under the preview
  placeholder   a sentence the outlet shows instead when it has no picture of this post
                (a splash of an article): drawn in the frame with the post's title
A form with none of these reads as a plain Chinese stand-in (its title and summary), never
as the outlet's raw fields.
Preview documents are served from their own URL into a sandboxed frame with a policy that
lets nothing run, so an outlet's HTML can never act inside the console.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from flask import Response
from markupsafe import escape
from sqlalchemy.orm import Session

from hub import channels
from hub.channels import DeliveryError
from hub.console.security import PREVIEW_CSP
from hub.outlets.services import (
    is_post_outlet,
    outlet_info,
    outlets_of,
    reached_accounts,
    target_outlets,
)
from hub.posts import rendering
from hub.posts import services as posts
from hub.posts.models import CONTENT_FIELDS
from hub.publication import snapshot

log = logging.getLogger("hub.console")
PHONE_SIZE = (320, 568)
BROWSER_SIZE = (420, 560)
CARD_SIZE = (320, 260)
SCREEN_WIDTH = 420
FIT_STEP, FIT_NARROWEST = 10, 150  # a screen's HTML zooms down to narrower frames by steps
NO_PICTURE = "这个终端没有提供预览样式：发布时按它自己的格式发送以下内容。"


@dataclass
class Preview:
    outlet_id: int
    channel: str
    channel_label: str
    outlet_name: str
    frame: str
    width: int
    height: int
    pixel_size: str | None
    url: str | None
    excluded: bool
    error: str | None
    problems: list[str]
    screens: list[dict]  # each screen's exact size, when one outlet drives several


def rendered(db: Session, post, outlet, public_url: str) -> dict:
    """The outlet's own form of the post (its `render`), with what its `check` says stops
    the post there added to the form's `problems`."""
    channel = channels.get_channel(outlet.channel)
    shown = snapshot(db, post, outlet.channel, outlet.account, public_url)
    info = outlet_info(outlet)
    form = channel.render(shown, info)
    form = dict(form) if isinstance(form, dict) else {"value": form}
    said = [str(p) for p in form.get("problems") or []]
    checked = channel.check(shown, info) or []
    form["problems"] = said + [str(p) for p in checked if str(p) not in said]
    return form


def lay_pending_words(db: Session, post) -> bool:
    """Set a live post's proposed change on its row, so its previews show what approving it
    would send out; False when no change waits. Never flushed: the caller reads under
    `no_autoflush` and rolls back (the outlets keep the live words until approval)."""
    if post.pending_revision is None:
        return False
    words = posts.editing_words(db, post)
    for name in CONTENT_FIELDS:
        setattr(post, name, getattr(words, name))
    post.column = words.column
    rendering.render_body(post)
    return True


def _sized(items) -> list[dict]:
    return [item for item in items or [] if isinstance(item, dict)
            and isinstance(item.get("width"), int) and isinstance(item.get("height"), int)
            and item["width"] > 0 and item["height"] > 0]


def frame_of(form: dict, channel: str) -> tuple[str, int, int, str | None]:
    width, height = form.get("width"), form.get("height")
    pixels = f"{width}×{height}" if isinstance(width, int) and isinstance(height, int) \
        else None
    screens = _sized(form.get("screens"))
    if pixels is None and screens:
        # Each size once, in the screens' order: a group's screens often share one size.
        pixels = "、".join(dict.fromkeys(f"{s['width']}×{s['height']}" for s in screens))
        return "card", *CARD_SIZE, pixels
    frame = form.get("frame")
    if frame not in ("phone", "browser", "screen"):
        outlet = channels.get_channel(channel)
        frame = "screen" if pixels else outlet.preview_frame if outlet else "card"
    if frame == "phone":
        return frame, *PHONE_SIZE, pixels
    if frame == "browser":
        return frame, *BROWSER_SIZE, pixels
    if frame == "screen" and pixels and width > 0 and height > 0:
        shown = min(width, SCREEN_WIDTH)
        return frame, shown, max(1, round(height * shown / width)), pixels
    return "card", *CARD_SIZE, pixels


def previews_for(db: Session, post, public_url: str) -> list[Preview]:
    """One preview per outlet of the post's own account (pushed-down copies look the same)."""
    wanted = set(post.channels) if post.channels else None
    found = []
    for outlet in outlets_of(db, [post.account_id]):
        if not is_post_outlet(outlet):
            continue
        channel = channels.get_channel(outlet.channel)
        excluded = wanted is not None and outlet.channel not in wanted
        error, form = None, {}
        if not excluded:
            try:
                form = rendered(db, post, outlet, public_url)
            except DeliveryError as exc:
                error = exc.message
            except Exception:  # a broken adapter must not take the editor's page down
                log.exception("preview of post %s on outlet %s failed", post.id, outlet.id)
                error = "该终端的预览生成失败，已记录"
        frame, width, height, pixels = frame_of(form, outlet.channel)
        found.append(Preview(outlet_id=outlet.id, channel=outlet.channel,
                             channel_label=channel.label, outlet_name=outlet.name, frame=frame,
                             width=width, height=height, pixel_size=pixels,
                             url=form.get("url") if post.id else None,
                             excluded=excluded, error=error,
                             problems=[str(p) for p in form.get("problems") or []],
                             screens=_sized(form.get("screens"))))
    return found


def document_response(form: dict, channel: str, native: bool = False) -> Response:
    """A preview document as its own page, under a policy that lets nothing in it run."""
    frame, width, _, _ = frame_of(form, channel)
    outlet = channels.get_channel(channel)
    title = " · ".join(part for part in (str(form.get("title") or ""),
                                         outlet.label if outlet else "",
                                         "按 1:1 像素预览" if native else "预览") if part)
    response = Response(document(form, frame, width, native, title=title),
                        mimetype="text/html")
    response.headers["Content-Security-Policy"] = PREVIEW_CSP
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    return response


def reach_summary(db: Session, post) -> dict[str, int]:
    """How many outlets the post reaches beyond its own account, by channel label, and how
    many partner webhooks hear of it."""
    accounts = [account for account, _ in reached_accounts(db, post)]
    counts: dict[str, int] = {}
    for outlet in target_outlets(db, post, accounts):
        channel = channels.get_channel(outlet.channel)
        if outlet.account_id == post.account_id and is_post_outlet(outlet):
            continue
        label = channel.label if channel else outlet.channel
        counts[label] = counts.get(label, 0) + 1
    return counts


def document(form: dict, frame: str, width: int, native: bool = False, title: str = "") -> str:
    """The HTML document a preview frame shows; `native`: at the outlet's own pixels, 1:1
    (opened in a tab of its own, where `title` names it)."""
    if isinstance(form.get("preview_html"), str) and form["preview_html"]:
        return form["preview_html"]
    parts = []
    pixel_w, pixel_h = form.get("width"), form.get("height")
    picture = _picture(form, str(form.get("title") or ""), native)
    if frame == "screen" and isinstance(pixel_w, int) and pixel_w > 0:
        parts.append(_edge_to_edge(pixel_w, pixel_h, width, native, picture is not None))
    if picture is not None:
        parts.append(f'<div class="shot">{picture}{_skip_button(form)}</div>')
    elif isinstance(form.get("html") or form.get("content"), str):
        # A screen shows its slide as it is; other outlets read as an article.
        html = form.get("html") or form["content"]
        parts.append(html if frame == "screen" else _article(form, html))
    elif _sized(form.get("screens")):
        parts.append(_sketches(form, native))
    elif _message_values(form):
        parts.append(_message_card(form))
    else:
        parts.append(_stand_in(form))
    return _page("".join(parts), title)


def _edge_to_edge(pixel_w: int, pixel_h, width: int, native: bool, picture: bool) -> str:
    """A screen's frame shows the outlet's form edge to edge, whatever width the window
    leaves the frame (a phone narrows it below `width`). A picture fills the frame's width by
    itself; HTML laid out at the outlet's pixels is zoomed to fit: to `width`, and further
    down as the frame narrows, a media query a step, since no script runs in the frame."""
    edge = "body{margin:0;padding:0}"
    if picture:
        return f"<style>{edge}</style>"
    zooms = "html{zoom:1.0000}" if native else f"html{{zoom:{width / pixel_w:.4f}}}" + "".join(
        f"@media (max-width:{shown}px){{html{{zoom:{(shown - FIT_STEP) / pixel_w:.4f}}}}}"
        for shown in range(width - 1, FIT_NARROWEST, -FIT_STEP))
    return (f"<style>{edge}body{{width:{pixel_w}px;height:{pixel_h}px;overflow:hidden}}"
            f"{zooms}</style>")


def _article(form: dict, html: str) -> str:
    title = escape(form.get("title") or "")
    byline = escape(form.get("author") or "")
    summary = escape(form.get("summary") or form.get("digest") or "")
    lead = (f'<p class="byline">{byline}</p>' if byline else "") + \
        (f'<p class="summary">{summary}</p>' if summary else "")
    return f'<article><h1>{title}</h1>{lead}<div class="body">{html}</div></article>'


def _picture(item: dict, alt: str, native: bool = False) -> str | None:
    """An outlet's own drawing of itself (a slide, a splash), or None when it has none."""
    source = item.get("image_data_url") or item.get("image_url")
    size = f' width="{item["width"]}" height="{item["height"]}"' \
        if isinstance(item.get("width"), int) and isinstance(item.get("height"), int) else ""
    css = "picture native" if native else "picture"
    if isinstance(source, str) and source:
        return f'<img class="{css}" src="{escape(source)}" alt="{escape(alt)}"{size}>'
    if isinstance(item.get("svg"), str):
        return item["svg"]
    return None


def _sketches(form: dict, native: bool = False) -> str:
    """Each screen as the outlet drew it at its exact size (scaled to fit, or 1:1 when
    `native`); a screen the outlet drew no picture for shows the title at its proportions."""
    title = str(form.get("title") or "")
    parts = []
    for screen in _sized(form.get("screens")):
        name = escape(str(screen.get("name") or screen.get("code") or ""))
        size = f'{screen["width"]}×{screen["height"]}'
        drawn = _picture(screen, f"{title}（{size}）", native)
        if drawn is None and isinstance(screen.get("html"), str):
            drawn = screen["html"]
        if drawn is None:
            drawn = (f'<div class="slide" style="aspect-ratio:{screen["width"]}/'
                     f'{screen["height"]}"><h1>{escape(title)}</h1></div>')
        problems = "".join(f"<li>{escape(str(p))}</li>" for p in screen.get("problems") or [])
        parts.append(f'<figure class="sketch">{drawn}<figcaption>{name} · {size} 像素'
                     f'</figcaption>{f"<ul class=problems>{problems}</ul>" if problems else ""}'
                     f'</figure>')
    return "".join(parts)


def _skip_button(form: dict) -> str:
    """The splash's skip button where the app draws it, so the picture is judged with it."""
    rules = form.get("rules") if isinstance(form.get("rules"), dict) else {}
    if form.get("skip_button") or rules.get("skip_button"):
        return '<span class="skip-button">跳过</span>'
    return ""


def _message_values(form: dict) -> list[tuple[str, str]]:
    """A subscribe message's {key: {"value": …}} data, as (label, value) pairs."""
    data = form.get("data")
    if not isinstance(data, dict) or not data:
        return []
    labels = form.get("labels") if isinstance(form.get("labels"), dict) else {}
    pairs = []
    for key, item in data.items():
        if not isinstance(item, dict) or "value" not in item:
            return []
        pairs.append((str(labels.get(key) or key), str(item["value"])))
    return pairs


def _message_card(form: dict) -> str:
    """A subscribe message the way WeChat's 服务通知 shows it: a card of labelled lines and
    a way into the mini-program."""
    rows = "".join(f"<dt>{escape(label)}</dt><dd>{escape(value)}</dd>"
                   for label, value in _message_values(form))
    more = '<p class="notice-more">进入小程序查看 ›</p>' if form.get("page") else ""
    return (f'<div class="notice"><p class="notice-app">服务通知</p>'
            f'<dl class="notice-rows">{rows}</dl>{more}</div>')


def _stand_in(form: dict) -> str:
    """What an outlet that draws nothing of the post says instead (its `placeholder`, or a
    plain note), with the post's title and summary: words an editor reads, not its fields."""
    note = form.get("placeholder")
    note = note if isinstance(note, str) and note.strip() else NO_PICTURE
    title, summary = form.get("title"), form.get("summary") or form.get("digest")
    parts = [f'<p class="placeholder">{escape(note)}</p>']
    if isinstance(title, str) and title.strip():
        parts.append(f"<h1>{escape(title)}</h1>")
    if isinstance(summary, str) and summary.strip():
        parts.append(f'<p class="summary">{escape(summary)}</p>')
    return f'<div class="stand-in">{"".join(parts)}</div>'


def _page(body: str, title: str = "") -> str:
    """`body` is the outlet's own HTML, unescaped on purpose: it is shown only in a frame
    whose policy (PREVIEW_CSP, sandbox) lets nothing in it run."""
    return ('<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
            f"<title>{escape(title or '预览')}</title>"
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            '<link rel="stylesheet" href="/console/static/preview.css"></head><body>'
            f"{body}</body></html>")
