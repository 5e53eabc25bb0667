"""The console's blueprint and what runs around every console request: who is logged in,
CSRF, headers, and turning the hub's errors into pages an editor can read."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import (
    Blueprint,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from sqlalchemy import select
from werkzeug.exceptions import HTTPException

from hub.accounts.models import Account
from hub.console import security
from hub.errors import HubError
from hub.ratelimits import rate_limits
from hub.users.models import User
from hub.users.permissions import roles_on

bp = Blueprint("console", __name__, url_prefix="/console", template_folder="templates",
               static_folder="static", static_url_path="/static")
PUBLIC_ENDPOINTS = {"console.login", "console.static"}


@bp.record_once
def _configure(state) -> None:
    app = state.app
    security.configure_session_cookie(app)
    app.extensions["hub.console.throttle"] = security.LoginThrottle(rate_limits(app))


@bp.app_template_global()
def csrf_field():
    from markupsafe import Markup

    return Markup('<input type="hidden" name="{}" value="{}">').format(
        security.CSRF_FIELD, security.csrf_token())


@bp.before_request
def _guard():
    security.check_csrf()
    g.user = None
    uid = session.get("uid")
    if uid is not None:
        user = g.db.get(User, uid)
        if user is not None and user.active and security.session_is_current(user):
            g.user = user
        else:
            session.clear()
    if g.user is None and request.endpoint not in PUBLIC_ENDPOINTS:
        return redirect(url_for("console.login", next=request.full_path.rstrip("?")))
    return None


@bp.before_request
def _remember_account() -> None:
    """The account the editor works on is the one whose pages (/console/a/<code>/…) they
    opened last: a page about one thing beneath it keeps its menu (views.shown_account)."""
    code = (request.view_args or {}).get("code")
    if (g.user is not None and request.method == "GET" and isinstance(code, str)
            and session.get("account") != code):
        session["account"] = code


@bp.after_request
def _headers(response):
    return security.console_headers(response)


def back_to(default: str) -> str:
    """Where to send the editor after a form: the page they came from, if it is ours."""
    referrer = request.referrer or ""
    parts = urlsplit(referrer)
    if parts.netloc == request.host and parts.path.startswith("/console/"):
        return referrer
    return default


def _page_of_request() -> str:
    """The page a failed form belongs to: its post's, campaign's or import's page, its
    account's, or home."""
    args = request.view_args or {}
    if "post_id" in args:
        return url_for("console.post_page", post_id=args["post_id"])
    if "campaign_id" in args:
        return url_for("console.campaign_page", campaign_id=args["campaign_id"])
    if "import_id" in args:
        return url_for("console.roll_import", import_id=args["import_id"])
    if "code" in args:
        return url_for("console.account_overview", code=args["code"])
    return url_for("console.home")


# Asked by the page's own script (JSON), or shown inside a preview frame: an error is
# answered in place, never by sending the browser to another page.
JSON_ENDPOINTS = {"console.draft_previews", "console.media_upload", "console.media_library"}
IN_PLACE_ENDPOINTS = {"console.draft_preview_document"}


def answer_refusal(exc: HubError, form_page: str | None):
    """A HubError as the console answers it: a refused form (a POST) goes back to the page it
    was on, the message flashed there (`form_page` when the browser does not say which page
    that was); anything else, or any form when `form_page` is None, gets the console's error
    page with the error's status. Nothing the request wrote is kept, and the page is read
    from a clean session (on PostgreSQL a failed statement leaves the transaction unusable)."""
    g.db.rollback()
    if request.method == "POST" and form_page is not None:
        flash(exc.message, "error")
        return redirect(back_to(form_page))
    return error_page(exc.message, exc.status)


def _account_of_request() -> Account | None:
    """The account an error page keeps the menu of: the page's own (its `code`), when the
    editor holds a role on it, so a refused page still shows where they are."""
    code = (request.view_args or {}).get("code")
    if g.get("user") is None or not isinstance(code, str):
        return None
    account = g.db.scalar(select(Account).where(Account.code == code))
    if account is None or not roles_on(g.db, g.user, account):
        return None
    return account


def error_page(message: str, status: int):
    return render_template("console/error.html", message=message,
                           account=_account_of_request()), status


@bp.errorhandler(HubError)
def _hub_error(exc: HubError):
    if request.endpoint in JSON_ENDPOINTS:
        return jsonify(exc.to_json()), exc.status
    in_place = request.endpoint in IN_PLACE_ENDPOINTS
    return answer_refusal(exc, None if in_place else _page_of_request())


@bp.errorhandler(HTTPException)
def http_error_page(exc: HTTPException):
    """Werkzeug's refusals (a stale form's CSRF check, a missing page) as the console's page."""
    messages = {400: "请求无效", 403: "没有权限", 404: "页面不存在", 405: "不支持此操作",
                413: "上传的文件过大", 429: "尝试次数过多"}
    message = messages.get(exc.code, exc.name)
    if exc.code == 400 and exc.description == "csrf":
        message = "表单已失效（安全校验未通过），请刷新页面后重试"
    return error_page(message, exc.code)
