"""The console's 我的账号 page: who I am and where I may work, the e-mail address review alerts
go to, and changing my own password (the current one first; my other sessions end)."""

from __future__ import annotations

from flask import flash, g, redirect, render_template, request, url_for

from hub.console.blueprint import bp
from hub.console.security import start_session
from hub.errors import BadRequest
from hub.users import admin as people
from hub.users import services as users


@bp.get("/me")
def my_account():
    grants = sorted(g.user.grants, key=lambda grant: (grant.account.path, grant.role))
    return render_template("console/me.html", page="me", account=None, grants=grants,
                           role_labels=people.ROLE_LABELS)


@bp.post("/me/email")
def set_my_email():
    users.set_email(g.db, g.user, request.form.get("email"))
    g.db.commit()
    flash("已保存电子邮件地址" if g.user.email else "已清除电子邮件地址", "success")
    return redirect(url_for("console.my_account"))


@bp.post("/me/password")
def set_my_password():
    if not users.check_password(g.user, request.form.get("current", "")):
        raise BadRequest("当前密码不对", field="current")
    new = request.form.get("password", "")
    if new != request.form.get("again", ""):
        raise BadRequest("两次输入的新密码不一致", field="again")
    users.set_password(g.db, g.user, new, actor=g.user)
    g.db.commit()
    start_session(g.user)  # this session goes on; every other one has ended
    flash("密码已修改，其他设备上的登录已退出", "success")
    return redirect(url_for("console.my_account"))
