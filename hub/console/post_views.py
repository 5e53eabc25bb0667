"""Console pages about one post: compose, edit, preview on every outlet, workflow actions
(submit, review, publish now or at a time, withdraw) and the delivery board. Every rule
lives in the hub's services and schemas; these views only translate forms."""

from __future__ import annotations

from flask import current_app, flash, g, redirect, render_template, request, url_for
from pydantic import BaseModel, ValidationError

from hub import channels, publication
from hub.accounts.services import descendants
from hub.api import chinese_reason
from hub.clock import to_local
from hub.console import previews
from hub.console.blueprint import back_to, bp
from hub.console.live_previews import draft_panel
from hub.console.media_views import keep_upload
from hub.console.post_form import form_overrides, offered_channels
from hub.console.views import account_for
from hub.db import utcnow
from hub.deliveries import services as deliveries
from hub.deliveries.models import Delivery
from hub.deliveries.views import delivery_out
from hub.errors import BadRequest, HubError, NotFound
from hub.outlets.models import Outlet
from hub.posts import services as posts
from hub.posts.schemas import PostCreate, PostUpdate, PublishIn
from hub.posts.workflow import STATE_LABELS, Action

ACTIONS = {  # what each button does, and what the editor is told afterwards
    Action.submit: "已提交审核",
    Action.approve: "已审核通过",
    Action.reject: "已退回修改",
    Action.publish: "已发布，正在投递到各终端",
    Action.schedule: "已安排定时发布",
    Action.unschedule: "已取消定时，稿件没有发往任何终端",
    Action.withdraw: "已撤回，正在从各终端撤下",
}
LIVE_STATES = ("pending", "sending", "retrying")
FIELD_NAMES = {"title": "标题", "body": "正文", "summary": "摘要", "link_url": "链接",
               "valid_from": "开始时间", "valid_until": "结束时间", "column": "栏目",
               "channels": "渠道", "cover_media_id": "封面", "at": "发布时间"}


def _post(post_id: int):
    post = posts.get_post(g.db, post_id)
    account_for(post.account.code)
    return post


def _validated(model: type[BaseModel], data: dict) -> BaseModel:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        fields = {}
        for error in exc.errors():
            name = str(error["loc"][0]) if error["loc"] else "body"
            fields.setdefault(name, f"{FIELD_NAMES.get(name, name)}：{chinese_reason(error)}")
        raise BadRequest("；".join(fields.values()), fields=fields) from None


def _form_data(account, *, creating: bool, existing: dict | None = None) -> dict:
    form = request.form
    data = {"title": form.get("title", "").strip(), "body": form.get("body", ""),
            "summary": form.get("summary", "").strip() or None,
            "column": form.get("column") or None,
            "link_url": form.get("link_url", "").strip() or None,
            "valid_from": form.get("valid_from") or None,
            "valid_until": form.get("valid_until") or None}
    offered = [name for name, _ in offered_channels(account)]
    chosen = [name for name in form.getlist("channels") if name in offered]
    if offered and not chosen:
        raise BadRequest("请至少选择一个发布渠道", field="channels")
    data["channels"] = None if set(chosen) == set(offered) else chosen
    data["push_down"] = "all" if form.get("push_down") == "all" else None
    if "overrides_shown" in form:
        data["overrides"] = form_overrides(offered, existing)
    if creating:
        data["kind"] = form.get("kind", "article")
        data["account"] = account.code
    return data


def _cover(account, data: dict) -> None:
    upload = request.files.get("cover")
    picked = request.form.get("cover_media_id", "")
    if picked.isdigit():  # chosen from the media library (the service checks whose it is)
        data["cover_media_id"] = int(picked)
    if upload is not None and upload.filename:
        data["cover_media_id"] = keep_upload(account, upload).id
    elif request.form.get("remove_cover") == "1":
        data["cover_media_id"] = None


def _form_page(template: str, account, status: int = 200, **context):
    return render_template(template, account=account, columns=account.columns,
                           offered=offered_channels(account),
                           can_push_down=bool(descendants(g.db, account)), **context), status


@bp.route("/a/<code>/compose", methods=["GET", "POST"])
def compose(code: str):
    account = account_for(code)
    if request.method == "GET":
        kind = "promotion" if request.args.get("kind") == "promotion" else "article"
        return _form_page("console/compose.html", account, values={"kind": kind},
                          page="compose", previews=draft_panel(account))
    try:
        data = _form_data(account, creating=True)
        _cover(account, data)
        fields = _validated(PostCreate, data).changes()
        post = posts.create_post(g.db, g.user, account, fields)
        g.db.commit()
    except HubError as exc:
        g.db.rollback()
        return _form_page("console/compose.html", account, 400, values=request.form,
                          error=exc.message, errors=exc.fields, page="compose",
                          previews=draft_panel(account))
    flash("草稿已保存，可在右侧预览各终端效果", "info")
    return redirect(url_for("console.post_page", post_id=post.id))


def available_actions(post) -> set[str]:
    """What the editor may do to this post now, asked of the workflow itself."""
    return {action.value for action in posts.allowed_actions(g.db, g.user, post, ACTIONS)}


def _post_page(post, status: int = 200, **context):
    config = current_app.config["HUB"]
    words = posts.editing_words(g.db, post)  # a pending change's, if one waits
    values = context.pop("values", None) or {
        "title": words.title, "summary": words.summary, "body": words.body, "kind": post.kind,
        "column": words.column.slug if words.column else "", "link_url": words.link_url or "",
        "valid_from": _local_input(words.valid_from),
        "valid_until": _local_input(words.valid_until),
        "channels": post.channels, "push_down": "all" if post.push_down else "",
        **_override_values(post.overrides)}
    actions = available_actions(post)
    with g.db.no_autoflush:  # a pending change is previewed as approving it would send it
        proposed = previews.lay_pending_words(g.db, post)
        shown = previews.previews_for(g.db, post, config.public_url)
        blocking = publication.problems(g.db, post)
    if proposed:
        g.db.rollback()  # the row keeps the live words
    return _form_page("console/post.html", post.account, status, post=post, values=values,
                      previews=shown, proposed=proposed,
                      reach=previews.reach_summary(g.db, post), blocking=blocking,
                      actions=actions, page="posts", **context)


def _override_values(overrides: dict | None) -> dict:
    values: dict = {"overridden": []}
    for channel, fields in (overrides or {}).items():
        for field in ("title", "summary"):
            if (fields or {}).get(field):
                values[f"override_{field}_{channel}"] = fields[field]
                values["overridden"].append(channel)
    return values


def _local_input(value) -> str:
    """A stored UTC time as a datetime-local field's value, in Beijing time."""
    local = to_local(value)
    return local.strftime("%Y-%m-%dT%H:%M") if local else ""


def _keep_what_the_form_cannot_show(post, data: dict) -> dict:
    """The form offers only the channels the account has outlets for, and push-down as all
    or nothing: channels and push-down chosen through the API (or the demo) stay as they are
    unless the editor changed what the form shows of them. (A live post's proposed change
    may not move it, so sending a narrower list would refuse every edit.)"""
    offered = {name for name, _ in offered_channels(post.account)}
    if post.channels is not None:
        extras = [name for name in post.channels if name not in offered]
        chosen = data["channels"] if data["channels"] is not None else sorted(offered)
        if set(chosen) == set(post.channels) - set(extras):
            data["channels"] = post.channels
        else:
            data["channels"] = chosen + extras
    if post.push_down not in (None, ["*"]) and data["push_down"] == "all":
        data["push_down"] = post.push_down  # a chosen few accounts below, kept
    return data


@bp.route("/posts/<int:post_id>", methods=["GET", "POST"])
def post_page(post_id: int):
    post = _post(post_id)
    if request.method == "GET":
        return _post_page(post)
    try:
        data = _keep_what_the_form_cannot_show(
            post, _form_data(post.account, creating=False, existing=post.overrides))
        _cover(post.account, data)
        posts.update_post(g.db, g.user, post, _validated(PostUpdate, data).changes())
        pending = post.pending_revision is not None
        g.db.commit()
    except HubError as exc:
        g.db.rollback()
        post = _post(post_id)
        return _post_page(post, 400, values=request.form, error=exc.message,
                          errors=exc.fields)
    flash("已保存为待审核的修改：审核通过前，各终端仍是已发布的内容" if pending
          else "已保存为新的修订", "info")
    return redirect(url_for("console.post_page", post_id=post.id))


@bp.post("/posts/<int:post_id>/act")
def act(post_id: int):
    post = _post(post_id)
    try:
        action = Action(request.form.get("action", ""))
    except ValueError:
        raise BadRequest("未知的操作", field="action") from None
    if action not in ACTIONS:
        raise BadRequest("未知的操作", field="action")
    if action is Action.withdraw and request.form.get("confirmed") != "1":
        return _confirm_withdraw(post)
    at = None
    if action is Action.schedule:
        at = _validated(PublishIn, {"at": request.form.get("at") or None}).at
        if at is None or at <= utcnow():
            raise BadRequest("请选择一个晚于现在的发布时间（北京时间）", field="at")
        action = Action.publish  # the service schedules a publication with a future time
    posts.act(g.db, g.user, post, action, at=at, note=request.form.get("note", "")[:1000])
    g.db.commit()
    flash(_told(post, Action.schedule if at else action), "info")
    if (action is Action.publish and not at) or action is Action.withdraw:
        return redirect(url_for("console.delivery_board", post_id=post.id))
    if at or action is Action.unschedule:  # back where it was done (the post, or the calendar)
        return redirect(back_to(url_for("console.post_page", post_id=post.id)))
    return redirect(url_for("console.post_page", post_id=post.id))


def _told(post, action: Action) -> str:
    """What the editor is told after an action (taken off the schedule: where it is now)."""
    if action is Action.unschedule:
        return f"{ACTIONS[action]}；现在是「{STATE_LABELS[post.state]}」，可重新定时或立即发布"
    return ACTIONS[action]


def _confirm_withdraw(post):
    """Withdrawing takes the post off every outlet it reached: say how many, by channel,
    and ask once more."""
    reached: dict[str, int] = {}
    for row in _board_rows(post):
        if row["delivery"].version == post.version and row["delivery"].state != "withdrawn":
            label = row["out"].channel_label
            reached[label] = reached.get(label, 0) + 1
    return render_template("console/confirm_withdraw.html", post=post, account=post.account,
                           reached=reached, total=sum(reached.values()),
                           note=request.form.get("note", "")[:1000], page="posts")


@bp.get("/posts/<int:post_id>/preview/<int:outlet_id>")
def preview_document(post_id: int, outlet_id: int):
    post = _post(post_id)
    outlet = g.db.get(Outlet, outlet_id)
    if outlet is None or outlet.account_id != post.account_id or \
            channels.get_channel(outlet.channel) is None:
        raise NotFound("没有这个终端的预览", field="outlet")
    with g.db.no_autoflush:  # a pending change shows as approving it would send it
        previews.lay_pending_words(g.db, post)
        form = previews.rendered(g.db, post, outlet, current_app.config["HUB"].public_url)
    g.db.rollback()
    return previews.document_response(form, outlet.channel, native=request.args.get("full") == "1")


def plain_words(delivery: Delivery, shaped) -> str:
    """What happened to a delivery, said so an editor knows what to do next."""
    if delivery.state == "failed":
        if delivery.outlet.broken_reason:
            return f"终端凭据失效，需要管理员更新凭据后点「重试」。（{delivery.last_error}）"
        return f"未能送达：{delivery.last_error or '原因未知'}。处理后可点「重试」。"
    if delivery.state == "retrying":
        when = (shaped.next_attempt_at or "")[11:16]
        return f"暂时没送到，将在 {when} 自动重试（{delivery.last_error}）"
    if delivery.state in ("pending", "sending"):
        return "正在撤下" if delivery.goal == "withdraw" else "正在投递"
    if delivery.state == "withdrawn":
        return delivery.last_error or "已从该终端撤下"
    return "已送达"


STATE_ORDER = ("failed", "retrying", "sending", "pending", "delivered", "withdrawn")
FILTERS = {"": "全部", "failed": "失败", "busy": "进行中", "delivered": "已送达",
           "withdrawn": "已撤回"}
GROUPINGS = {"channel": "按渠道", "account": "按账号"}


def _board_rows(post) -> list[dict]:
    rows = []
    for delivery in deliveries.deliveries_of(g.db, post):
        if delivery.goal == "notify":
            continue
        shaped = delivery_out(delivery, [])
        rows.append({"delivery": delivery, "out": shaped, "words": plain_words(delivery, shaped),
                     "link": _viewable(shaped.external_url)})
    return rows


def _viewable(url: str | None) -> str | None:
    """A delivery's address for a person: not one of the hub's API addresses, which answer
    a browser 401 (they are for machines holding a token)."""
    if not url or "/api/" in url:
        return None
    return url


def _shown(row: dict, wanted: str) -> bool:
    state = row["delivery"].state
    if wanted == "busy":
        return state in LIVE_STATES
    return not wanted or state == wanted


def board_groups(rows: list[dict], by: str) -> list[dict]:
    """Rows grouped by channel or by account, each group with its counts per state; groups
    with failures first, and in each group failures first."""
    groups: dict[str, dict] = {}
    for row in rows:
        delivery = row["delivery"]
        key, label = (delivery.outlet.account.code, delivery.outlet.account.name) \
            if by == "account" else (delivery.channel, row["out"].channel_label)
        group = groups.setdefault(key, {"key": key, "label": label, "rows": [], "counts": {},
                                        "failed": 0})
        group["rows"].append(row)
        state_label = row["out"].state_label
        group["counts"][state_label] = group["counts"].get(state_label, 0) + 1
        group["failed"] += delivery.state == "failed"
    for group in groups.values():
        group["rows"].sort(key=lambda r: (STATE_ORDER.index(r["delivery"].state),
                                          r["out"].target))
    return sorted(groups.values(), key=lambda g_: (-g_["failed"], g_["label"]))


@bp.get("/posts/<int:post_id>/deliveries")
def delivery_board(post_id: int):
    post = _post(post_id)
    rows = _board_rows(post)
    current = [r for r in rows if r["delivery"].version == post.version]
    older = [r for r in rows if r["delivery"].version != post.version]
    busy = any(r["delivery"].state in LIVE_STATES for r in rows)
    summary: dict[str, int] = {}
    for row in sorted(current, key=lambda r: STATE_ORDER.index(r["delivery"].state)):
        summary[row["out"].state_label] = summary.get(row["out"].state_label, 0) + 1
    wanted = request.args.get("state", "")
    wanted = wanted if wanted in FILTERS else ""
    by = request.args.get("by", "channel")
    by = by if by in GROUPINGS else "channel"
    groups = board_groups([r for r in current if _shown(r, wanted)], by)
    return render_template("console/deliveries.html", post=post, account=post.account,
                           current=current, groups=groups, older=older, busy=busy,
                           summary=summary, filters=FILTERS, wanted=wanted,
                           groupings=GROUPINGS, by=by, actions=available_actions(post),
                           page="posts")


@bp.post("/posts/<int:post_id>/deliveries/retry")
def retry_failed(post_id: int):
    """Retry the failed deliveries of the current version: all, or one group's (a channel's
    or an account's, as the board groups them)."""
    post = _post(post_id)
    channel, account = request.form.get("channel"), request.form.get("account")
    retried = []
    for delivery in deliveries.deliveries_of(g.db, post):
        if delivery.state != "failed" or delivery.version != post.version or \
                (channel and delivery.channel != channel) or \
                (account and delivery.outlet.account.code != account):
            continue
        deliveries.retry(g.db, delivery, actor=g.user)
        retried.append(delivery)
    g.db.commit()
    flash(f"已重新安排 {len(retried)} 个失败的投递", "info")
    return redirect(back_to(url_for("console.delivery_board", post_id=post.id)))


@bp.post("/posts/<int:post_id>/deliveries/<int:delivery_id>/retry")
def retry_one(post_id: int, delivery_id: int):
    post = _post(post_id)
    delivery = g.db.get(Delivery, delivery_id)
    if delivery is None or delivery.post_id != post.id:
        raise NotFound(f"稿件 {post_id} 没有编号为 {delivery_id} 的投递", field="delivery")
    deliveries.retry(g.db, delivery, actor=g.user)
    g.db.commit()
    flash(f"已重新安排投递到「{delivery.outlet.name}」", "info")
    return redirect(url_for("console.delivery_board", post_id=post.id))
