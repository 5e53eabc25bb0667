"""Console pages about the editor and their accounts: log in and out, switch account, the
account's overview, its posts and its review queue."""

from __future__ import annotations

from flask import (
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from hub.accounts.models import Account
from hub.accounts.services import get_account
from hub.audit.services import record
from hub.clock import to_local
from hub.console import charts, overview, security
from hub.console.blueprint import bp
from hub.posts import services as posts
from hub.posts.workflow import STATE_LABELS, State
from hub.ratelimits import in_words
from hub.users import services as users
from hub.users.models import User
from hub.users.permissions import granted_accounts, require_role, roles_on

EDITOR_ROLES = ("author", "reviewer", "admin")
SWITCHER_DEPTH = 2  # levels below each granted account listed in the switcher
_DUMMY_HASH: list[str] = []  # checked for unknown names, so timing does not reveal them


def _dummy_hash() -> str:
    if not _DUMMY_HASH:
        _DUMMY_HASH.append(generate_password_hash("no-such-user", method=users.PASSWORD_METHOD))
    return _DUMMY_HASH[0]


def account_for(code: str) -> Account:
    account = get_account(g.db, code)
    require_role(g.db, g.user, account, *EDITOR_ROLES)
    return account


def shown_account(owner: Account) -> Account:
    """The account whose menu a page about something of `owner`'s shows: the one the editor
    was working on when `owner` lies beneath it and they hold a role there (东莞's reviewer
    who opens a 虎门 campaign from 东莞's queue stays on 东莞), else `owner` itself."""
    code = session.get("account")
    if not code or code == owner.code:
        return owner
    current = g.db.scalar(select(Account).where(Account.code == code))
    if current is None or not owner.is_within(current) or not roles_on(g.db, g.user, current):
        return owner
    return current


def switchable_accounts() -> list[tuple[Account, int]]:
    """The accounts the editor may work on, with their depth below a granted account."""
    found = []
    for top in granted_accounts(g.db, g.user):
        below = g.db.scalars(select(Account).where(Account.path.startswith(top.path))
                             .order_by(Account.path))
        top_depth = top.path.count("/")
        for account in below:
            depth = account.path.count("/") - top_depth
            if depth <= SWITCHER_DEPTH:
                found.append((account, depth))
    return found


@bp.app_context_processor
def _console_globals():
    return {"state_labels": {s.value: label for s, label in STATE_LABELS.items()},
            "switchable_accounts": switchable_accounts}


@bp.app_template_filter("console_time")
def console_time(value) -> str:
    """Times as editors read them: Beijing time, to the minute."""
    local = to_local(value)
    return local.strftime("%Y-%m-%d %H:%M") if local else ""


def _safe_next(target: str | None) -> str | None:
    if target and target.startswith("/console/") and not target.startswith("//"):
        return target
    return None


@bp.route("/login", methods=["GET", "POST"])
def login():
    next_page = _safe_next(request.values.get("next"))
    if request.method == "GET":
        if g.user is not None:
            return redirect(next_page or url_for("console.home"))
        return render_template("console/login.html", next_page=next_page)
    username = request.form.get("username", "").strip().lower()[:64]
    password = request.form.get("password", "")
    address = request.remote_addr or "unknown"
    throttle = current_app.extensions["hub.console.throttle"]
    user = g.db.scalar(select(User).where(User.username == username)) if username else None
    epoch = user.login_epoch if user is not None else 0
    wait = throttle.retry_after(username, epoch, address)
    if wait:
        page = render_template("console/login.html", next_page=next_page, username=username,
                               error=f"登录尝试过多，请 {in_words(wait)}后再试")
        return page, 429, {"Retry-After": str(wait)}
    if user is None:
        check_password_hash(_dummy_hash(), password)
    if user is None or not users.check_password(user, password):
        _login_failed(throttle, user, username, epoch, address)
        page = render_template("console/login.html", next_page=next_page, username=username,
                               error="用户名或密码不正确")
        return page, 401
    throttle.succeeded(username, epoch, address)
    security.start_session(user)
    return redirect(next_page or url_for("console.home"))


def _login_failed(throttle, user: User | None, username: str, epoch: int,
                  address: str) -> None:
    """Count the failure; when it makes the name wait from this address, audit that."""
    wait = throttle.failed(username, epoch, address)
    if wait and user is not None:
        record(g.db, actor=None, action="user.login_throttled", account_id=None,
               subject_type="user", subject_id=user.id, username=user.username,
               address=address, wait_seconds=wait)
        g.db.commit()


@bp.post("/logout")
def logout():
    security.end_sessions(g.user)
    g.db.commit()
    session.clear()
    flash("已退出登录", "info")
    return redirect(url_for("console.login"))


@bp.get("/")
def home():
    accounts = granted_accounts(g.db, g.user)
    if not accounts:
        return render_template("console/error.html", message="你还没有任何账号的权限，"
                               "请联系管理员授权"), 403
    return redirect(url_for("console.account_overview", code=accounts[0].code))


@bp.get("/switch")
def switch():
    code = request.args.get("account", "")
    page = request.args.get("page", "overview")
    account = account_for(code)
    target = {"posts": "console.account_posts", "review": "console.review_queue",
              "compose": "console.compose", "members": "console.account_members",
              "kpis": "console.account_kpis", "calendar": "console.account_calendar",
              "audit": "console.account_audit"}.get(page, "console.account_overview")
    return redirect(url_for(target, code=account.code))


DEVICES_SHOWN = 50  # offline ones first: those are the ones someone must go and look at


@bp.get("/a/<code>/")
def account_overview(code: str):
    account = account_for(code)
    counts = overview.post_counts(g.db, account)
    per_day = overview.published_per_day(g.db, account)
    by_channel = overview.deliveries_by_channel(g.db, account)
    health, devices = overview.outlet_health(g.db, account)
    failures = overview.recent_failures(g.db, account)
    return render_template(
        "console/overview.html", account=account, counts=counts, page="overview",
        per_day_chart=charts.bars_by_day("per-day", "近 14 天发布的稿件", per_day),
        channel_chart=charts.stacked_by_row("by-channel", "近 30 天各渠道投递结果", by_channel),
        health=health, devices=devices[:DEVICES_SHOWN], devices_total=len(devices),
        recent=overview.recent_posts(g.db, account),
        seen_labels=list(overview.SEEN_KPIS.values()), seen_days=overview.SEEN_DAYS,
        seen=overview.seen_per_account(g.db, account),
        failures=failures, titles=overview.titles_of(g.db, failures))


@bp.get("/a/<code>/posts")
def account_posts(code: str):
    account = account_for(code)
    state = request.args.get("state") or None
    if state is not None and state not in State.__members__:
        state = None
    before = request.args.get("before", type=int)
    found = posts.visible_posts(g.db, g.user, account, state=state, limit=30, before_id=before)
    return render_template("console/posts.html", account=account, posts=found, state=state,
                           page="posts", next_before=found[-1].id if len(found) == 30 else None)


@bp.get("/a/<code>/review")
def review_queue(code: str):
    account = account_for(code)
    waiting = posts.waiting_for_review(g.db, g.user, account)  # new posts and changes
    return render_template("console/review.html", account=account, posts=waiting,
                           may_approve={p.id for p in waiting
                                        if posts.may_approve(g.db, g.user, p)},
                           page="review")
