"""The console's pages for what an account configures beyond its columns: its topics (专题:
list, edit, pick and order posts, close) and its links to local services (本地服务: its own,
and those inherited from above, which it may hide). Same roles as the API: reviewers and
admins edit topics, admins set links, authors read both."""

from __future__ import annotations

import datetime as dt

from flask import flash, g, redirect, render_template, request, url_for

from hub.accounts import services as accounts
from hub.accounts.models import Account, Topic
from hub.clock import as_utc, to_local
from hub.console.blueprint import bp
from hub.console.views import account_for
from hub.errors import BadRequest
from hub.users.permissions import require_role, roles_on


def _may(account: Account, roles: tuple[str, ...]) -> bool:
    return bool(roles_on(g.db, g.user, account) & set(roles))


def _editing(code: str, roles: tuple[str, ...]) -> Account:
    account = account_for(code)
    require_role(g.db, g.user, account, *roles)
    return account


def _form_time(name: str) -> dt.datetime | None:
    """A datetime-local field (Beijing time) as UTC; empty is none."""
    value = request.form.get(name, "").strip()
    if not value:
        return None
    try:
        return as_utc(dt.datetime.fromisoformat(value))
    except ValueError:
        raise BadRequest("时间格式不对，应形如 2026-12-07T19:30", field=name) from None


def _topic_fields() -> dict:
    title = request.form.get("title", "").strip()
    if not 1 <= len(title) <= 60:
        raise BadRequest("专题标题请填写 1 到 60 个字", field="title")
    summary = request.form.get("summary", "").strip()
    if len(summary) > 500:
        raise BadRequest("专题简介最多 500 个字", field="summary")
    return {"title": title, "summary": summary, "starts_at": _form_time("starts_at"),
            "ends_at": _form_time("ends_at")}


def topic_state(topic: Topic) -> str:
    """In words: where the topic stands for members now."""
    if topic.closed_at is not None:
        return "已关闭"
    if accounts.topic_is_showing(topic):
        return "展示中"
    now = dt.datetime.now(dt.UTC)
    return "未开始" if topic.starts_at and topic.starts_at > now else "已结束"


def _local_input(value: dt.datetime | None) -> str:
    local = to_local(value)
    return local.strftime("%Y-%m-%dT%H:%M") if local else ""


def _moved(ids: list[int], item: int, step: int) -> list[int]:
    """`ids` with `item` moved one place up (-1) or down (+1)."""
    at = ids.index(item)
    to = max(0, min(len(ids) - 1, at + step))
    ids.insert(to, ids.pop(at))
    return ids


def _step() -> int:
    return -1 if request.form.get("direction") == "up" else 1


@bp.get("/a/<code>/topics")
def account_topics(code: str):
    account = account_for(code)
    return render_template("console/topics.html", account=account, page="topics",
                           topics=accounts.topics_of(g.db, account), topic_state=topic_state,
                           may_edit=_may(account, accounts.TOPIC_EDITORS))


@bp.post("/a/<code>/topics")
def add_topic(code: str):
    account = _editing(code, accounts.TOPIC_EDITORS)
    topic = accounts.create_topic(g.db, account, _topic_fields(), actor=g.user)
    g.db.commit()
    flash(f"已建立专题「{topic.title}」，请挑选稿件", "info")
    return redirect(url_for("console.topic_page", code=code, topic_id=topic.id))


@bp.post("/a/<code>/topics/<int:topic_id>/move")
def move_topic(code: str, topic_id: int):
    account = _editing(code, accounts.TOPIC_EDITORS)
    ids = [t.id for t in accounts.topics_of(g.db, account)]
    accounts.get_topic(g.db, account, topic_id)
    accounts.reorder_topics(g.db, account, _moved(ids, topic_id, _step()), actor=g.user)
    g.db.commit()
    return redirect(url_for("console.account_topics", code=code))


@bp.get("/a/<code>/topics/<int:topic_id>")
def topic_page(code: str, topic_id: int):
    account = account_for(code)
    topic = accounts.get_topic(g.db, account, topic_id)
    chosen = accounts.topic_posts(g.db, topic, published_only=False)
    chosen_ids = {p.id for p in chosen}
    candidates = [p for p in accounts.topic_candidates(g.db, account) if p.id not in chosen_ids]
    return render_template("console/topic.html", account=account, page="topics", topic=topic,
                           chosen=chosen, candidates=candidates, topic_state=topic_state,
                           local_input=_local_input,
                           may_edit=_may(account, accounts.TOPIC_EDITORS))


@bp.post("/a/<code>/topics/<int:topic_id>")
def edit_topic(code: str, topic_id: int):
    account = _editing(code, accounts.TOPIC_EDITORS)
    topic = accounts.get_topic(g.db, account, topic_id)
    accounts.update_topic(g.db, topic, _topic_fields(), actor=g.user)
    g.db.commit()
    flash("专题已保存", "info")
    return redirect(url_for("console.topic_page", code=code, topic_id=topic_id))


@bp.post("/a/<code>/topics/<int:topic_id>/close")
def close_topic(code: str, topic_id: int):
    account = _editing(code, accounts.TOPIC_EDITORS)
    topic = accounts.get_topic(g.db, account, topic_id)
    closing = request.form.get("closed") == "1"
    accounts.close_topic(g.db, topic, closing, actor=g.user)
    g.db.commit()
    flash("专题已关闭，会员不再看到" if closing else "专题已重新开放", "info")
    return redirect(url_for("console.topic_page", code=code, topic_id=topic_id))


@bp.post("/a/<code>/topics/<int:topic_id>/posts")
def topic_posts(code: str, topic_id: int):
    """Add the ticked posts at the end, or move or remove one (`action`)."""
    account = _editing(code, accounts.TOPIC_EDITORS)
    topic = accounts.get_topic(g.db, account, topic_id)
    ids = [entry.post_id for entry in topic.entries]
    action = request.form.get("action", "add")
    if action == "add":
        picked = [int(v) for v in request.form.getlist("post") if v.isdigit()]
        if not picked:
            raise BadRequest("请先勾选要加入专题的稿件", field="post")
        ids += [i for i in picked if i not in ids]
    else:
        post_id = request.form.get("post", "")
        if not post_id.isdigit() or int(post_id) not in ids:
            raise BadRequest("这篇稿件不在专题里", field="post")
        if action == "remove":
            ids.remove(int(post_id))
        else:
            ids = _moved(ids, int(post_id), _step())
    accounts.set_topic_posts(g.db, topic, ids, actor=g.user)
    g.db.commit()
    return redirect(url_for("console.topic_page", code=code, topic_id=topic_id))


# -- service links ---------------------------------------------------------------------------


def _link_fields() -> dict:
    form = request.form
    return {"name": form.get("name", ""), "icon": form.get("icon", ""),
            "kind": form.get("kind", ""), "url": form.get("url", ""),
            "mp_appid": form.get("mp_appid", ""), "mp_path": form.get("mp_path", ""),
            "enabled": form.get("enabled") == "1"}


@bp.get("/a/<code>/services")
def account_services(code: str):
    account = account_for(code)
    shown = accounts.links_for(g.db, account, shown_only=False)
    editing_id = request.args.get("edit", "")
    editing = next((s.link for s in shown if not s.inherited and str(s.link.id) == editing_id),
                   None)
    return render_template(
        "console/services.html", account=account, page="services",
        inherited=[s for s in shown if s.inherited], own=[s.link for s in shown
                                                          if not s.inherited],
        editing=editing, icons=accounts.LINK_ICONS, kinds=accounts.LINK_KINDS,
        target=accounts.link_target, may_edit=_may(account, ("admin",)))


@bp.post("/a/<code>/services")
def add_service(code: str):
    account = _editing(code, ("admin",))
    link = accounts.create_link(g.db, account, _link_fields(), actor=g.user)
    g.db.commit()
    flash(f"已添加服务「{link.name}」", "info")
    return redirect(url_for("console.account_services", code=code))


@bp.post("/a/<code>/services/<int:link_id>")
def edit_service(code: str, link_id: int):
    account = _editing(code, ("admin",))
    link = accounts.own_link(g.db, account, link_id)
    accounts.update_link(g.db, link, _link_fields(), actor=g.user)
    g.db.commit()
    flash(f"服务「{link.name}」已保存", "info")
    return redirect(url_for("console.account_services", code=code))


@bp.post("/a/<code>/services/<int:link_id>/action")
def service_action(code: str, link_id: int):
    """Switch one of the account's own links on or off, move it, delete it; or hide (show
    again) one inherited from above."""
    account = _editing(code, ("admin",))
    action = request.form.get("action", "")
    if action in ("hide", "show"):
        accounts.hide_link(g.db, account, accounts.get_link(g.db, link_id), action == "hide",
                           actor=g.user)
    else:
        link = accounts.own_link(g.db, account, link_id)
        if action == "toggle":
            accounts.update_link(g.db, link, {"enabled": not link.enabled}, actor=g.user)
        elif action == "move":
            ids = [x.id for x in accounts.own_links(g.db, account)]
            accounts.reorder_links(g.db, account, _moved(ids, link_id, _step()), actor=g.user)
        elif action == "delete":
            accounts.delete_link(g.db, link, actor=g.user)
        else:
            raise BadRequest("未知的操作", field="action")
    g.db.commit()
    return redirect(url_for("console.account_services", code=code))
