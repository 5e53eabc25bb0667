"""A post's revisions in the console: the list, what changed between any two (line by line,
field by field), and restoring an earlier one as a new revision (the hub's own restore, so
the workflow's rules hold: restoring a live post sends it out again)."""

from __future__ import annotations

import difflib

from flask import flash, g, redirect, render_template, request, url_for

from hub.console.blueprint import bp
from hub.console.post_views import _post
from hub.posts import services as posts

FIELD_LABELS = {"title": "标题", "summary": "摘要", "body": "正文", "column_id": "栏目",
                "link_url": "链接", "valid_from": "开始时间", "valid_until": "结束时间",
                "cover_media_id": "封面", "kind": "类型", "overrides": "各渠道覆盖",
                "channels": "渠道", "push_down": "下发"}


def _text(value) -> list[str]:
    if value is None or value == "":
        return []
    return str(value).splitlines() or [""]


def changes_between(old: dict, new: dict) -> list[dict]:
    """Per field that differs: its lines, each marked kept (" "), removed ("-") or
    added ("+")."""
    found = []
    for name in dict.fromkeys([*old, *new]):
        before, after = old.get(name), new.get(name)
        if before == after:
            continue
        lines = [{"mark": line[0], "text": line[2:]}
                 for line in difflib.ndiff(_text(before), _text(after)) if line[0] in " -+"]
        found.append({"field": FIELD_LABELS.get(name, name), "lines": lines})
    return found


def _number(value: str | None, default: int) -> int:
    return int(value) if value and value.isdigit() else default


@bp.app_template_global()
def pending_diff(post) -> list[dict]:
    """What a live post's proposed change alters against the live version: shown on the
    post page so a reviewer reads it before approving."""
    if post.pending_revision is None:
        return []
    live = posts.get_revision(g.db, post, post.revision).content
    return changes_between(live, posts.get_revision(g.db, post, post.pending_revision).content)


@bp.get("/posts/<int:post_id>/revisions")
def post_revisions(post_id: int):
    post = _post(post_id)
    revisions = posts.list_revisions(g.db, post)
    by_number = {r.number: r for r in revisions}
    newest = revisions[-1].number if revisions else 0
    new = _number(request.args.get("b"), newest)
    old = _number(request.args.get("a"), max(1, new - 1))
    shown = []
    if old in by_number and new in by_number:
        shown = changes_between(by_number[old].content, by_number[new].content)
    return render_template("console/revisions.html", post=post, account=post.account,
                           revisions=list(reversed(revisions)), old=old, new=new,
                           changes=shown, page="posts")


@bp.post("/posts/<int:post_id>/revisions/<int:number>/restore")
def restore_revision(post_id: int, number: int):
    post = _post(post_id)
    posts.restore_revision(g.db, g.user, post, number)
    g.db.commit()
    flash(f"已恢复第 {number} 次修订的内容（保存为第 {post.revision} 次修订）", "info")
    return redirect(url_for("console.post_page", post_id=post.id))
