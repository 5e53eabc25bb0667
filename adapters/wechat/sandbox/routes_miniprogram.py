"""Mini-program calls: `sns/jscode2session`, `wxa/business/getuserphonenumber` and
`wxa/getwxacodeunlimit` (wxacode.getUnlimited, a mini-program code for a scene)."""

from __future__ import annotations

import base64
import io
import re
import secrets

from flask import Blueprint, Response, request

from .errors import WeChatError
from .guard import begin_call, wechat_call, with_access_token
from .records import AppRecord, OneTimeCode
from .routes_token import authenticate
from .runtime import SandboxRuntime
from .wire import json_body, ok, wechat_json

# wxacode.getUnlimited's rules: a scene of at most 32 visible characters from this set; a
# page without a leading slash or parameters; a width from 280 to 1280 pixels.
SCENE_CHARS = re.compile(r"^[0-9A-Za-z!#$&'()*+,/:;=?@\-._~]+$")
SCENE_MAX = 32
PAGE = re.compile(r"^[A-Za-z0-9_\-]+(/[A-Za-z0-9_\-]+)*$")
WIDTH_MIN, WIDTH_MAX = 280, 1280

bp = Blueprint("wechat_miniprogram", __name__)


def take_code(codes: dict[str, OneTimeCode], code: object, now: float) -> OneTimeCode:
    """Use up a single-use code; an unknown, used or expired one is 40029."""
    entry = codes.get(code) if isinstance(code, str) else None
    if entry is None or entry.used or now >= entry.expires_at:
        raise WeChatError(40029)
    entry.used = True
    return entry


@bp.get("/sns/jscode2session")
@wechat_call
def code_to_session(rt: SandboxRuntime) -> Response:
    args = request.args
    grant_type = args.get("grant_type")
    if grant_type != "authorization_code":
        raise WeChatError(40002)
    app = authenticate(rt, "client_credential", args.get("appid"), args.get("secret"))
    begin_call(rt, app, takes_access_token=False)
    with rt.state.lock:
        now = rt.state.now()
        entry = take_code(app.login_codes, args.get("js_code"), now)
        session = {"openid": entry.openid,
                   "session_key": base64.b64encode(secrets.token_bytes(16)).decode()}
        if entry.unionid:
            session["unionid"] = entry.unionid
        app.logins.append({"openid": entry.openid, "unionid": entry.unionid, "at": now})
    # WeChat answers a good code without errcode.
    return wechat_json(session)


def phone_info(app: AppRecord, entry: OneTimeCode, now: float) -> dict[str, object]:
    pure = entry.phone or ""
    # WeChat puts the country code before foreign numbers only.
    full = pure if entry.country_code == "86" else f"+{entry.country_code} {pure}"
    return {
        "phoneNumber": full,
        "purePhoneNumber": pure,
        "countryCode": entry.country_code,
        "watermark": {"timestamp": int(now), "appid": app.appid},
    }


@bp.post("/wxa/business/getuserphonenumber")
@with_access_token
def get_user_phone_number(rt: SandboxRuntime, app: AppRecord) -> Response:
    code = json_body().get("code")
    with rt.state.lock:
        now = rt.state.now()
        entry = take_code(app.phone_codes, code, now)
        return ok(phone_info=phone_info(app, entry, now))


@bp.post("/wxa/getwxacodeunlimit")
@with_access_token
def get_unlimited_code(rt: SandboxRuntime, app: AppRecord) -> Response:
    """The code's image (JPEG; PNG when `is_hyaline`), or an error as JSON as WeChat answers.
    The sandbox's code is an ordinary QR code of `page?scene`, so tests can read it back."""
    data = json_body()
    if app.account_type != "miniprogram":
        raise WeChatError(48001)
    scene, page = data.get("scene"), data.get("page")
    if not isinstance(scene, str) or not scene or len(scene) > SCENE_MAX:
        raise WeChatError(40169)
    if not SCENE_CHARS.match(scene):
        raise WeChatError(40129)
    if page is not None and (not isinstance(page, str) or not PAGE.match(page)
                             or "scancode_time" in page):
        raise WeChatError(41030)
    width = data.get("width", 430)
    if not isinstance(width, int) or isinstance(width, bool):
        raise WeChatError(47001)
    with rt.state.lock:
        app.take_quota(rt.settings, "getwxacodeunlimit", rt.state.now())
    hyaline = bool(data.get("is_hyaline"))
    image = code_image(f"{page or 'pages/index/index'}?{scene}",
                       min(max(width, WIDTH_MIN), WIDTH_MAX), _line_colour(data), hyaline)
    return Response(image, status=200, mimetype="image/png" if hyaline else "image/jpeg")


def _line_colour(data: dict) -> tuple[int, int, int]:
    colour = data.get("line_color") if not data.get("auto_color") else None
    if not isinstance(colour, dict):
        return (0, 0, 0)
    try:
        return tuple(max(0, min(255, int(colour.get(k, 0)))) for k in "rgb")  # type: ignore[return-value]
    except (TypeError, ValueError):
        raise WeChatError(47001) from None


def code_image(text: str, width: int, colour: tuple[int, int, int], hyaline: bool) -> bytes:
    import qrcode
    from PIL import Image

    code = qrcode.QRCode(border=2, error_correction=qrcode.constants.ERROR_CORRECT_M)
    code.add_data(text)
    picture = code.make_image(fill_color=colour, back_color="white").get_image().convert("RGB")
    picture = picture.resize((width, width), Image.Resampling.NEAREST)
    out = io.BytesIO()
    if hyaline:
        picture.convert("RGBA").save(out, "PNG")
    else:
        picture.save(out, "JPEG", quality=92)
    return out.getvalue()
