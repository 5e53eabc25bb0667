"""The audit page's Chinese: each event read as a sentence (who did what to which subject) and
its details in words: action names, detail names, states, money in 元, kinds, field names.
The codes stay with each event for those who need them (the page shows them folded away).

Names come from where the hub already keeps them (post states and actions, campaign kinds,
roles, the forms' field labels); outlets add theirs through `Channel.audit_actions` (full
action names beside their prefixes) and `Channel.audit_words` (their detail and field names).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import literal_column, select, union_all
from sqlalchemy.orm import Session

from hub.accounts.models import Account, ServiceLink, Topic
from hub.accounts.services import LINK_KINDS
from hub.attribution.models import PromoCode
from hub.audit import services as audit
from hub.audit.models import AuditEvent
from hub.campaigns.models import Campaign, Kind, Merchant
from hub.channels import all_channels, get_channel
from hub.console.campaign_exports import EXPORTS
from hub.console.campaign_forms import FIELD_LABELS as CAMPAIGN_FIELDS
from hub.console.revision_views import FIELD_LABELS as POST_FIELDS
from hub.media.models import Media
from hub.members.models import RollImport
from hub.outlets.models import Outlet
from hub.posts.models import Post
from hub.posts.workflow import ACTION_LABELS as POST_ACTIONS
from hub.posts.workflow import CHANGE_LABELS, STATE_LABELS
from hub.users.admin import ROLE_LABELS
from hub.users.models import ApiToken, User

SYSTEM = "系统"

# Each action's own name; an action not here reads as its prefix's (hub.audit.services).
ACTION_NAMES = {f"post.{action.value}": label for action, label in POST_ACTIONS.items()} | {
    "post.create": "新建稿件", "post.update": "修改稿件", "post.comment": "评论稿件",
    "post.change.edit": "提出修改（待审核）", "post.change.submit": "提交修改审核",
    "post.change.approve": "批准修改并发出", "post.change.reject": "退回修改",
    "post.change.discard": "放弃待审核的修改",
    "account.create": "新建账号", "account.update": "修改账号资料", "account.columns": "调整栏目",
    "account.topic.create": "新建专题", "account.topic.update": "修改专题",
    "account.topic.close": "关闭专题", "account.topic.reopen": "重新开放专题",
    "account.topic.posts": "调整专题里的稿件", "account.topic.reorder": "调整专题顺序",
    "account.link.create": "新增本地服务链接", "account.link.update": "修改本地服务链接",
    "account.link.delete": "删除本地服务链接", "account.link.hide": "隐藏上级的服务链接",
    "account.link.show": "恢复显示上级的服务链接", "account.link.reorder": "调整服务链接顺序",
    "user.create": "创建编辑账户", "user.invite": "邀请编辑", "user.password_change": "修改密码",
    "user.email_change": "修改提醒邮箱", "user.unlock": "解除登录锁定",
    "user.login_throttled": "因多次登录失败暂停登录", "grant.create": "授予角色",
    "grant.revoke": "收回角色", "token.issue": "签发 API 令牌", "token.revoke": "吊销 API 令牌",
    "media.upload": "上传素材", "media.focal": "设置图片焦点",
    "outlet.bind": "绑定终端", "outlet.secret.replace": "更换终端凭据",
    "outlet.secret.remove": "删除终端凭据", "delivery.retry": "重新投递",
    "campaign.create": "新建活动", "campaign.update": "修改活动条款",
    "campaign.approve": "批准活动", "campaign.reject": "退回活动",
    "campaign.ceiling": "设置活动金额上限", "campaign.draw": "开奖",
    "campaign.close": "提前结束活动", "campaign.export": "导出活动数据",
    "merchant.create": "新增合作商户",
    "merchant.key.issue": "签发商户核销密钥", "promo_code.create": "新建推广码",
    "member.lookup": "查询会员个人信息", "member.rebind": "换绑会员的微信",
    "member.unbind": "解绑会员的微信", "roll.import": "上传会员名册",
    "roll.import.cancel": "取消名册导入", "roll.import.done": "名册导入完成",
    "roll.import.failed": "名册导入失败", "roll.import.cancelled": "名册导入已取消",
}

# Each detail's name; a detail not here (nor in an outlet's words) is shown by its key.
DETAIL_NAMES = {
    "revision": "版本", "old_state": "原状态", "new_state": "新状态", "post_state": "稿件状态",
    "note": "意见", "fields": "改动", "title": "标题", "name": "名称", "code": "代码",
    "filename": "文件名", "bytes": "大小", "x": "焦点（左右）", "y": "焦点（上下）",
    "channel": "渠道", "key": "终端标识", "with_secret": "附带凭据", "was_broken": "此前已出故障",
    "post_id": "稿件", "outlet": "终端", "outlet_marked_fixed": "终端已标记修好",
    "campaign_id": "活动", "kind": "类型", "value_fen": "金额", "budget_fen": "金额上限",
    "stock": "数量上限", "units": "份数", "winners": "中奖人数", "export": "导出内容",
    "rows": "行数", "replaced_a_key": "替换了旧密钥", "searched": "查询条件",
    "member_ids": "查到的会员", "from_identity": "原微信身份", "to_identity": "新微信身份",
    "mobile": "手机号", "format": "格式", "rows_total": "总行数", "rows_accepted": "通过",
    "rows_rejected": "未通过", "inserted": "新增", "updated": "更新", "error": "错误",
    "columns": "栏目", "topics": "专题", "posts": "稿件", "links": "链接", "owner": "所属账号",
    "username": "用户名", "role": "角色", "has_email": "设置了邮箱", "label": "名称",
    "address": "来源地址", "wait_seconds": "暂停", "pending": "待审核", "size": "尺寸",
    "sizes": "尺寸",
}
SEARCHED = {"id_number": "身份证号", "mobile": "手机号", "name": "姓名"}
# An outlet's own settings before and after (in its own vocabulary): with the codes only.
CODES_ONLY = ("before", "after")

# The fields a change names, by the kind of subject changed.
FIELD_NAMES = {
    "post": POST_FIELDS | {"column": "栏目", "outlet_options": "各渠道设置"},
    "campaign": CAMPAIGN_FIELDS | {"units": "数量"},
    "account": {"name": "名称", "short_name": "简称", "theme_color": "主题色",
                "logo_url": "标志图片", "intro": "简介", "requires_review": "是否需要审核"},
    "topic": {"title": "标题", "summary": "简介", "cover_media_id": "封面",
              "starts_at": "开始时间", "ends_at": "结束时间"},
    "service_link": {"name": "名称", "icon": "图标", "kind": "类型", "url": "网址",
                     "mp_appid": "小程序 AppID", "mp_path": "小程序页面", "enabled": "启用"},
}

# Whose name an event's subject (or a detail naming one) is shown by, by subject type. Members
# are left out on purpose: the log names no member, it only counts whom an editor looked up.
NAMED = {"post": (Post, Post.title), "campaign": (Campaign, Campaign.title),
         "user": (User, User.display_name), "account": (Account, Account.name),
         "media": (Media, Media.filename), "outlet": (Outlet, Outlet.name),
         "merchant": (Merchant, Merchant.name), "roll_import": (RollImport, RollImport.filename),
         "token": (ApiToken, ApiToken.label), "topic": (Topic, Topic.title),
         "service_link": (ServiceLink, ServiceLink.name),
         "promo_code": (PromoCode, PromoCode.name)}
# Details that name posts and the like by id (one, or a list): shown by their names too.
NAMED_IN_DETAILS = {"post_id": "post", "campaign_id": "campaign", "posts": "post",
                    "topics": "topic", "links": "service_link"}


@dataclass
class Reading:
    """One event as the page shows it."""

    event: AuditEvent
    who: str  # the editor's display name, or 系统
    username: str | None  # beside the display name, in small print
    action: str  # the action's Chinese name
    what: str  # the subject: 稿件「…」, or 类型 #id when its name is not at hand
    details: list[tuple[str, str]] = field(default_factory=list)


def action_names() -> dict[str, str]:
    """Full action names: the hub's, each outlet's settings change, those outlets declare."""
    names = dict(ACTION_NAMES)
    for channel in all_channels():
        names[f"{channel.name}.options.update"] = f"修改稿件的{channel.label}设置"
        names.update({action: label for action, label in channel.audit_actions.items()
                      if not action.endswith(".")})
    return names


def prefix_labels() -> dict[str, str]:
    """The filter's choices: each action prefix's Chinese name (outlets' included)."""
    return {prefix: label for prefix, label in audit.action_labels().items()
            if prefix.endswith(".")}


def action_name(action: str, names: dict[str, str], prefixes: dict[str, str]) -> str:
    """The action's own name, else its longest prefix's, else the code itself."""
    if action in names:
        return names[action]
    fitting = [prefix for prefix in prefixes if action.startswith(prefix)]
    return prefixes[max(fitting, key=len)] if fitting else action


def outlet_words() -> dict[str, str]:
    """What the outlets call their own detail keys and fields (the hub's names come first)."""
    words: dict[str, str] = {}
    for channel in all_channels():
        words.update(channel.audit_words)
    return words


def names_on_page(db: Session, events: list[AuditEvent]) -> dict[tuple[str, int], str]:
    """The names of the page's actors and subjects (and the posts and campaigns its details
    name), in one query: {(type, id): name}."""
    wanted: dict[str, set[int]] = {}
    for event in events:
        if event.actor_id is not None:
            wanted.setdefault("user", set()).add(event.actor_id)
        if event.subject_type in NAMED and event.subject_id is not None:
            wanted.setdefault(event.subject_type, set()).add(event.subject_id)
        for key, kind in NAMED_IN_DETAILS.items():
            wanted.setdefault(kind, set()).update(_ids((event.detail or {}).get(key)))
    wanted = {kind: ids for kind, ids in wanted.items() if ids}
    # The kind is one of NAMED's keys, written into the query as a constant.
    parts = [select(literal_column(f"'{kind}'").label("kind"), NAMED[kind][0].id.label("id"),
                    NAMED[kind][1].label("name")).where(NAMED[kind][0].id.in_(ids))
             for kind, ids in wanted.items()]
    if not parts:
        return {}
    return {(kind, id_): name for kind, id_, name in db.execute(union_all(*parts))}


def read(events: list[AuditEvent], names: dict[tuple[str, int], str]) -> list[Reading]:
    """Each event as a sentence with its details in words."""
    actions, prefixes, words = action_names(), audit.action_labels(), outlet_words()
    subjects = audit.subject_labels()
    readings = []
    for event in events:
        who, username = _who(event, names)
        action = action_name(event.action, actions, prefixes)
        readings.append(Reading(
            event=event, who=who, username=username, action=action,
            what=_what(event, subjects, names, action),
            details=[(DETAIL_NAMES.get(key) or words.get(key, key),
                      _said(key, value, event, names, words))
                     for key, value in (event.detail or {}).items()
                     if key not in CODES_ONLY]))
    return readings


def _who(event: AuditEvent, names) -> tuple[str, str | None]:
    if event.actor_id is None and event.actor_name == "system":
        return SYSTEM, None
    shown = names.get(("user", event.actor_id))
    return (shown, event.actor_name) if shown else (event.actor_name, None)


def _what(event: AuditEvent, subjects: dict[str, str], names, action: str) -> str:
    """The subject by its name, after its kind unless the action's name ends with it
    (新建活动「…」, not 新建活动 活动「…」)."""
    label = subjects.get(event.subject_type, event.subject_type)
    if event.subject_id is None:
        return "" if action.endswith(label) else label
    if action.endswith(label):
        label = ""
    name = names.get((event.subject_type, event.subject_id))
    return f"{label}「{name}」" if name else f"{label} #{event.subject_id}".strip()


def _said(key: str, value, event: AuditEvent, names, words: dict[str, str]) -> str:
    """A detail's value in words."""
    if value is None:
        return "无"
    if key in ("old_state", "new_state", "post_state"):
        return _state(value, event.action)
    if key == "fields" and isinstance(value, list):
        named = FIELD_NAMES.get(event.subject_type, {})
        return "、".join(named.get(f) or words.get(f, f) for f in value) or "（没有改动）"
    if key.endswith("_fen") and isinstance(value, int):
        return _yuan(value)
    if key in NAMED_IN_DETAILS and _ids(value):
        kind = NAMED_IN_DETAILS[key]
        return "、".join(f"「{names[(kind, id_)]}」" if (kind, id_) in names else f"#{id_}"
                        for id_ in _ids(value))
    said = _SAID.get(key)
    if said is not None:
        return said(value, event)
    return _plain(value, words)


def _ids(value) -> list[int]:
    """The ids a detail names: one, or a list of them (anything else names none)."""
    if isinstance(value, bool):
        return []
    if isinstance(value, int):
        return [value]
    if isinstance(value, list) and all(isinstance(v, int) and not isinstance(v, bool)
                                       for v in value):
        return value
    return []


def _state(value, action: str) -> str:
    if action.startswith("post.change."):
        return {**{s.value: label for s, label in CHANGE_LABELS.items()},
                "applied": "已生效并发出"}.get(value, str(value))
    return {s.value: label for s, label in STATE_LABELS.items()}.get(value, str(value))


def _yuan(fen: int) -> str:
    return f"{fen // 100:,} 元" if fen % 100 == 0 else f"{fen / 100:,.2f} 元"


def _kind(value, event: AuditEvent) -> str:
    kinds = LINK_KINDS if event.action.startswith("account.link.") else Kind.LABELS
    return kinds.get(value, str(value))


def _bytes(value, _event) -> str:
    if not isinstance(value, int):
        return str(value)
    return f"{value / 1024:.0f} KB" if value < 1024 * 1024 else f"{value / 1024 / 1024:.1f} MB"


def _share(value, _event) -> str:
    return f"{value * 100:.0f}%" if isinstance(value, float | int) else str(value)


def _sizes(value, _event) -> str:
    if isinstance(value, str):
        return value.replace("x", "×")
    return "、".join(f"{w}×{h}" for w, h in value) if isinstance(value, list) else str(value)


def _searched(value, _event) -> str:
    if not isinstance(value, dict):
        return str(value)
    return "；".join(f"{SEARCHED.get(k, k)} {v}" for k, v in value.items()) or "无"


def _numbered(value, _event) -> str:
    if not isinstance(value, list):
        return str(value)
    return "、".join(f"#{v}" for v in value) or "无"


def _channel(value, _event) -> str:
    channel = get_channel(str(value))
    return channel.label if channel else str(value)


_SAID = {
    "revision": lambda v, _e: f"第 {v} 版", "kind": _kind, "bytes": _bytes, "x": _share,
    "y": _share, "size": _sizes, "sizes": _sizes, "searched": _searched,
    "member_ids": _numbered,
    "role": lambda v, _e: ROLE_LABELS.get(v, str(v)), "channel": _channel,
    "export": lambda v, _e: EXPORTS.get(v, str(v)), "format": lambda v, _e: str(v).upper(),
    "wait_seconds": lambda v, _e: f"{v} 秒",
}


def _plain(value, words: dict[str, str]) -> str:
    """Any other value: yes or no, lists joined, maps as 名称：值."""
    if isinstance(value, bool):
        return "是" if value else "否"
    if value is None:
        return "无"
    if isinstance(value, list):
        return "、".join(_plain(item, words) for item in value) or "无"
    if isinstance(value, dict):
        return "；".join(f"{DETAIL_NAMES.get(k) or words.get(k, k)}：{_plain(v, words)}"
                        for k, v in value.items()) or "无"
    return str(value)
