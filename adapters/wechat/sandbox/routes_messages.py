"""WeChat's calls that reach followers: mass send and preview, menu, tags, subscribe messages."""

from __future__ import annotations

import secrets
from typing import Any

from flask import Blueprint, Response

from .errors import WeChatError
from .guard import with_access_token
from .jobs import finish_mass_send
from .records import AppRecord, Tag
from .routes_publish import live_draft, require_official_account
from .runtime import SandboxRuntime
from .wire import json_body, ok, wechat_json

bp = Blueprint("wechat_messages", __name__)

CLIENTMSGID_MAX_BYTES = 64
MAX_TAGS = 100
TAG_NAME_MAX_BYTES = 30
TAGS_PER_USER = 20
BATCH_TAGGING_MAX = 50
FIRST_TAG_ID = 100  # ids below are WeChat's own tags


def _message_content(app: AppRecord, body: dict[str, Any]) -> dict[str, Any]:
    """What a mass send or preview carries, checked; a draft it names must be in the box."""
    msgtype = body.get("msgtype")
    if msgtype == "mpnews":
        media_id = (body.get("mpnews") or {}).get("media_id")
        draft = live_draft(app, media_id)
        return {"msgtype": "mpnews", "media_id": draft.media_id,
                "titles": [a["title"] for a in draft.articles]}
    if msgtype == "text":
        content = (body.get("text") or {}).get("content")
        if not content:
            raise WeChatError(47003)
        return {"msgtype": "text", "content": content}
    raise WeChatError(40008)


def _audience(app: AppRecord, body: dict[str, Any]) -> dict[str, Any]:
    mass_filter = body.get("filter") or {}
    if not isinstance(mass_filter, dict):
        raise WeChatError(47001)
    if mass_filter.get("is_to_all") in (True, "true", 1):
        followers = set().union(*(tag.openids for tag in app.tags.values()))
        return {"is_to_all": True, "tag_id": None, "recipients": len(followers)}
    # wechatpy 1.8.18 still sends the legacy group_id for a tag.
    tag_id = mass_filter.get("tag_id", mass_filter.get("group_id"))
    tag = app.tags.get(_int_or_none(tag_id))
    if tag is None:
        raise WeChatError(40050)
    return {"is_to_all": False, "tag_id": tag.id, "recipients": len(tag.openids)}


def _int_or_none(value: object) -> int | None:
    try:
        return int(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None


def _earlier_send(rt: SandboxRuntime, app: AppRecord, clientmsgid: str) -> dict | None:
    window_start = rt.state.now() - rt.settings.mass_dedupe_window
    for send in reversed(app.mass_sends):
        if send["clientmsgid"] == clientmsgid and send["at"] >= window_start:
            return send
    return None


@bp.post("/cgi-bin/message/mass/sendall")
@with_access_token
def mass_send_all(rt: SandboxRuntime, app: AppRecord) -> Response:
    require_official_account(app)
    body = json_body()
    clientmsgid = body.get("clientmsgid")
    if clientmsgid is not None and len(str(clientmsgid).encode()) > CLIENTMSGID_MAX_BYTES:
        raise WeChatError(45067)
    with rt.state.lock:
        if clientmsgid is not None:
            earlier = _earlier_send(rt, app, str(clientmsgid))
            if earlier is not None:
                raise WeChatError(45065, msg_id=earlier["msg_id"])
        content = _message_content(app, body)
        audience = _audience(app, body)
        quota = f"mass_sendall_{app.account_type}"
        app.take_quota(rt.settings, quota, rt.state.now(), errcode=45028)
        send = _record_mass_send(rt, app, content, audience, clientmsgid)
        generation = rt.state.generation
    rt.background.later(rt.settings.publish_delay, finish_mass_send, rt, app.appid,
                        send["msg_id"], generation)
    return wechat_json({"errcode": 0, "errmsg": "send job submission success",
                        "msg_id": send["msg_id"], "msg_data_id": send["msg_data_id"]})


def _record_mass_send(rt: SandboxRuntime, app: AppRecord, content: dict[str, Any],
                      audience: dict[str, Any], clientmsgid: object) -> dict[str, Any]:
    serial = rt.state.next_serial()
    send = {
        "msg_id": 1_000_000_000 + serial,
        "msg_data_id": 2_000_000_000 + serial,
        "clientmsgid": None if clientmsgid is None else str(clientmsgid),
        "at": rt.state.now(),
        "status": "sending",
        **content,
        **audience,
    }
    app.mass_sends.append(send)
    if content["msgtype"] == "mpnews":
        # Like publishing, a mass send takes the draft out of the draft box.
        app.drafts[content["media_id"]].removed_because = "mass_sent"
    return send


@bp.post("/cgi-bin/message/mass/preview")
@with_access_token
def mass_preview(rt: SandboxRuntime, app: AppRecord) -> Response:
    require_official_account(app)
    body = json_body()
    touser, towxname = body.get("touser"), body.get("towxname")
    if not touser and not towxname:
        raise WeChatError(40003)
    with rt.state.lock:
        content = _message_content(app, body)
        app.take_quota(rt.settings, "mass_preview", rt.state.now())
        msg_id = 1_000_000_000 + rt.state.next_serial()
        app.mass_previews.append({"msg_id": msg_id, "touser": touser, "towxname": towxname,
                                  "at": rt.state.now(), **content})
    return wechat_json({"errcode": 0, "errmsg": "preview success", "msg_id": msg_id})


# --- menu -----------------------------------------------------------------------------

MENU_MAX_BUTTONS = 3
MENU_MAX_SUB_BUTTONS = 5
BUTTON_NAME_MAX_BYTES = 16
SUB_BUTTON_NAME_MAX_BYTES = 60
KEY_MAX_BYTES = 128
URL_MAX_BYTES = 1024
KEY_TYPES = {"click", "scancode_push", "scancode_waitmsg", "pic_sysphoto",
             "pic_photo_or_album", "pic_weixin", "location_select"}
URL_TYPES = {"view", "miniprogram"}
ID_TYPES = {"media_id": "media_id", "view_limited": "media_id",
            "article_id": "article_id", "article_view_limited": "article_id"}

# Error codes for a top-level button and for a sub-button: (name, type, key, url).
_BUTTON_ERRORS = (40018, 40017, 40019, 40020)
_SUB_BUTTON_ERRORS = (40025, 40024, 40026, 40027)


def _check_action(button: dict[str, Any], errors: tuple[int, int, int, int]) -> None:
    """A button that does something: its type and the key, url or id that type needs."""
    name_error, type_error, key_error, url_error = errors
    kind = button.get("type")
    if kind in KEY_TYPES:
        key = str(button.get("key") or "")
        if not key or len(key.encode()) > KEY_MAX_BYTES:
            raise WeChatError(key_error)
    elif kind in URL_TYPES:
        url = str(button.get("url") or "")
        if not url or len(url.encode()) > URL_MAX_BYTES:
            raise WeChatError(url_error)
    elif kind in ID_TYPES:
        if not button.get(ID_TYPES[kind]):
            raise WeChatError(type_error)
    else:
        raise WeChatError(type_error)


def _check_name(button: dict[str, Any], max_bytes: int, error: int) -> None:
    name = button.get("name")
    if not isinstance(name, str) or not name or len(name.encode()) > max_bytes:
        raise WeChatError(error)


def _check_button(button: object) -> None:
    if not isinstance(button, dict):
        raise WeChatError(40017)
    _check_name(button, BUTTON_NAME_MAX_BYTES, 40018)
    sub_buttons = button.get("sub_button")
    if not sub_buttons:
        _check_action(button, _BUTTON_ERRORS)
        return
    if not isinstance(sub_buttons, list) or len(sub_buttons) > MENU_MAX_SUB_BUTTONS:
        raise WeChatError(40023)
    for sub_button in sub_buttons:
        if not isinstance(sub_button, dict):
            raise WeChatError(40024)
        _check_name(sub_button, SUB_BUTTON_NAME_MAX_BYTES, 40025)
        _check_action(sub_button, _SUB_BUTTON_ERRORS)


@bp.post("/cgi-bin/menu/create")
@with_access_token
def create_menu(rt: SandboxRuntime, app: AppRecord) -> Response:
    require_official_account(app)
    buttons = json_body().get("button")
    if not isinstance(buttons, list) or not 1 <= len(buttons) <= MENU_MAX_BUTTONS:
        raise WeChatError(40016)
    for button in buttons:
        _check_button(button)
    with rt.state.lock:
        app.menus.append({"button": buttons, "at": rt.state.now()})
    return ok()


# --- parametric QR codes --------------------------------------------------------------
QR_TEMPORARY = {"QR_SCENE": "scene_id", "QR_STR_SCENE": "scene_str"}
QR_PERMANENT = {"QR_LIMIT_SCENE": "scene_id", "QR_LIMIT_STR_SCENE": "scene_str"}
QR_SCENE_STR_MAX = 64
QR_LIMIT_SCENE_ID_MAX = 100_000
QR_DEFAULT_EXPIRE, QR_MAX_EXPIRE = 60, 2_592_000


def _qr_scene(body: dict) -> tuple[str, Any]:
    """The scene a QR code carries, checked as WeChat does (40097: invalid arguments)."""
    action = body.get("action_name")
    kind = {**QR_TEMPORARY, **QR_PERMANENT}.get(action)
    scene = ((body.get("action_info") or {}).get("scene") or {}).get(kind) if kind else None
    if kind == "scene_str" and isinstance(scene, str) and 1 <= len(scene) <= QR_SCENE_STR_MAX:
        return action, scene
    limit = QR_LIMIT_SCENE_ID_MAX if action in QR_PERMANENT else 2**32 - 1
    if kind == "scene_id" and isinstance(scene, int) and 1 <= scene <= limit:
        return action, scene
    raise WeChatError(40097)


@bp.post("/cgi-bin/qrcode/create")
@with_access_token
def create_qrcode(rt: SandboxRuntime, app: AppRecord) -> Response:
    require_official_account(app)
    body = json_body()
    action, scene = _qr_scene(body)
    ticket = secrets.token_urlsafe(24)
    answer: dict[str, Any] = {"ticket": ticket, "url": f"{rt.base_url()}/q/{ticket}"}
    if action in QR_TEMPORARY:
        answer["expire_seconds"] = min(int(body.get("expire_seconds") or QR_DEFAULT_EXPIRE),
                                       QR_MAX_EXPIRE)
    with rt.state.lock:
        app.qrcodes[ticket] = {"action_name": action, "scene": scene, "url": answer["url"],
                               "at": rt.state.now()}
    return wechat_json(answer)


# --- tags -----------------------------------------------------------------------------


@bp.post("/cgi-bin/tags/create")
@with_access_token
def create_tag(rt: SandboxRuntime, app: AppRecord) -> Response:
    tag = json_body().get("tag") or {}
    name = tag.get("name") if isinstance(tag, dict) else None
    if not isinstance(name, str) or not name:
        raise WeChatError(45157)
    if len(name.encode()) > TAG_NAME_MAX_BYTES:
        raise WeChatError(45158)
    with rt.state.lock:
        if any(existing.name == name for existing in app.tags.values()):
            raise WeChatError(45157)
        if len(app.tags) >= MAX_TAGS:
            raise WeChatError(45056)
        tag_id = max(app.tags, default=FIRST_TAG_ID - 1) + 1
        app.tags[tag_id] = Tag(tag_id, name)
    return wechat_json({"tag": {"id": tag_id, "name": name}})


@bp.get("/cgi-bin/tags/get")
@with_access_token
def list_tags(rt: SandboxRuntime, app: AppRecord) -> Response:
    with rt.state.lock:
        tags = [{"id": t.id, "name": t.name, "count": len(t.openids)}
                for t in app.tags.values()]
    return wechat_json({"tags": tags})


@bp.post("/cgi-bin/tags/members/batchtagging")
@with_access_token
def tag_members(rt: SandboxRuntime, app: AppRecord) -> Response:
    body = json_body()
    openids = body.get("openid_list")
    if not isinstance(openids, list) or not 1 <= len(openids) <= BATCH_TAGGING_MAX:
        raise WeChatError(40032)
    if not all(isinstance(openid, str) and openid for openid in openids):
        raise WeChatError(40003)
    with rt.state.lock:
        tag = app.tags.get(_int_or_none(body.get("tagid")))
        if tag is None:
            raise WeChatError(45159)
        for openid in openids:
            tags_of_user = sum(openid in t.openids for t in app.tags.values())
            if openid not in tag.openids and tags_of_user >= TAGS_PER_USER:
                raise WeChatError(45059)
        tag.openids.update(openids)
    return ok()


# --- subscribe messages ---------------------------------------------------------------


@bp.post("/cgi-bin/message/subscribe/send")
@with_access_token
def send_subscribe_message(rt: SandboxRuntime, app: AppRecord) -> Response:
    body = json_body()
    touser, template_id = body.get("touser"), body.get("template_id")
    if not isinstance(touser, str) or not touser:
        raise WeChatError(40003)
    if not isinstance(template_id, str) or not template_id:
        raise WeChatError(40037)
    if not isinstance(body.get("data"), dict) or not body["data"]:
        raise WeChatError(47003)
    with rt.state.lock:
        key = (touser, template_id)
        # Each "allow" the member gave covers exactly one message.
        if app.subscribe_allowances.get(key, 0) <= 0:
            raise WeChatError(43101)
        app.subscribe_allowances[key] -= 1
        msgid = 3_000_000_000 + rt.state.next_serial()
        app.subscribe_messages.append({
            "msgid": msgid, "touser": touser, "template_id": template_id,
            "page": body.get("page"), "data": body["data"],
            "miniprogram_state": body.get("miniprogram_state"), "at": rt.state.now()})
    return ok(msgid=msgid)
