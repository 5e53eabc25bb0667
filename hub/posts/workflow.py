"""The editorial state machine: which action moves a post from which state, and who may take it.

Pure rules, no database and no web: the services ask it, the property tests exercise it.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class State(enum.StrEnum):
    draft = "draft"
    in_review = "in_review"
    approved = "approved"
    scheduled = "scheduled"
    published = "published"
    withdrawn = "withdrawn"
    expired = "expired"


class Action(enum.StrEnum):
    edit = "edit"
    submit = "submit"
    approve = "approve"
    reject = "reject"
    publish = "publish"
    schedule = "schedule"
    unschedule = "unschedule"  # take a scheduled post off the schedule, withdrawing nothing
    go_live = "go_live"  # the scheduler publishing a post whose time came
    withdraw = "withdraw"
    expire = "expire"  # the scheduler ending a post whose validity ended


class NotPermitted(Exception):
    """The actor's roles do not allow the action (HTTP 403)."""


class InvalidTransition(Exception):
    """The action does not apply to the post's current state (HTTP 409)."""


@dataclass(frozen=True)
class Actor:
    roles: frozenset[str]  # roles held on the post's account, inherited from ancestors
    is_author: bool = False  # wrote this post
    is_system: bool = False  # the hub's scheduler
    # Edited (or restored) a revision since the post's last approval: those words are theirs,
    # so on an account that requires review they may not approve or publish them.
    wrote_unapproved: bool = False

    @classmethod
    def system(cls) -> Actor:
        return cls(roles=frozenset(), is_system=True)


STATE_LABELS = {
    State.draft: "草稿",
    State.in_review: "待审核",
    State.approved: "已审核",
    State.scheduled: "定时发布",
    State.published: "已发布",
    State.withdrawn: "已撤回",
    State.expired: "已过期",
}

# What each action is called in a message to an editor.
ACTION_LABELS = {
    Action.edit: "修改", Action.submit: "提交审核", Action.approve: "审核通过",
    Action.reject: "退回修改", Action.publish: "发布", Action.schedule: "定时发布",
    Action.unschedule: "取消定时", Action.go_live: "定时发出", Action.withdraw: "撤回",
    Action.expire: "到期下线",
}

EDITORS = frozenset({"author", "reviewer", "admin"})
REVIEWERS = frozenset({"reviewer", "admin"})


def can_publish(actor: Actor, requires_review: bool) -> bool:
    if actor.is_system:
        return True
    if actor.roles & REVIEWERS:
        return True
    return bool(actor.roles & EDITORS) and not requires_review


def _publish_origins(requires_review: bool) -> set[State]:
    origins = {State.approved, State.scheduled}
    if not requires_review:
        origins.add(State.draft)
    return origins


def next_state(state: State, action: Action, actor: Actor, *, requires_review: bool) -> State:
    """Return the state after `action`, or raise NotPermitted / InvalidTransition."""
    state, action = State(state), Action(action)
    rule = _RULES[action]
    return rule(state, actor, requires_review)


def _need_editor(actor: Actor) -> None:
    if not actor.is_system and not actor.roles & EDITORS:
        raise NotPermitted("没有该账号的编辑权限")


def _need_publisher(actor: Actor, requires_review: bool) -> None:
    if not can_publish(actor, requires_review):
        raise NotPermitted("该账号的稿件需经审核员或管理员发布")


def _need_other_eyes(actor: Actor, requires_review: bool, doing: str) -> None:
    """Four eyes: on an account that requires review, nobody passes words they wrote."""
    if requires_review and actor.wrote_unapproved and not actor.is_system:
        raise NotPermitted(f"你在上次审核后修改过这篇稿件，不能{doing}自己写的内容，"
                           "须由另一位审核员或管理员审核")


def _wrong_state(state: State, action: Action) -> InvalidTransition:
    return InvalidTransition(f"{STATE_LABELS[state]}状态的稿件不能{ACTION_LABELS[action]}")


def _edit(state: State, actor: Actor, requires_review: bool) -> State:
    _need_editor(actor)
    if state is State.published:
        if requires_review:
            # In place, the new words would go out with nobody but their writer having read
            # them: they wait as a proposed change (`next_change_state`) instead.
            raise NotPermitted("该账号的稿件须经审核：已发布稿件的修改须作为待审核的修改保存")
        # A live post changes in place and is re-delivered: only someone who may publish.
        _need_publisher(actor, requires_review)
        return State.published
    if state is State.scheduled and not requires_review and can_publish(actor, requires_review):
        return State.scheduled
    # Anything reviewed or sent out before goes back to draft: the new words are unreviewed.
    return State.draft


def _submit(state: State, actor: Actor, requires_review: bool) -> State:
    _need_editor(actor)
    if state is not State.draft:
        raise _wrong_state(state, Action.submit)
    return State.in_review


def _approve(state: State, actor: Actor, requires_review: bool) -> State:
    if not actor.roles & REVIEWERS:
        raise NotPermitted("只有审核员或管理员可以审核")
    if actor.is_author:
        raise NotPermitted("作者不能审核自己的稿件")
    _need_other_eyes(actor, requires_review, "审核")
    if state is not State.in_review:
        raise _wrong_state(state, Action.approve)
    return State.approved


def _reject(state: State, actor: Actor, requires_review: bool) -> State:
    if not actor.roles & REVIEWERS:
        raise NotPermitted("只有审核员或管理员可以退回稿件")
    if state is not State.in_review:
        raise _wrong_state(state, Action.reject)
    return State.draft


def _publish(state: State, actor: Actor, requires_review: bool) -> State:
    _need_publisher(actor, requires_review)
    _need_other_eyes(actor, requires_review, "发布")
    if state not in _publish_origins(requires_review):
        raise _wrong_state(state, Action.publish)
    return State.published


def _schedule(state: State, actor: Actor, requires_review: bool) -> State:
    _need_publisher(actor, requires_review)
    _need_other_eyes(actor, requires_review, "发布")
    if state not in _publish_origins(requires_review):
        raise _wrong_state(state, Action.schedule)
    return State.scheduled


def _unschedule(state: State, actor: Actor, requires_review: bool) -> State:
    # Whoever may schedule may take it off again. Nothing went out, so nothing is withdrawn;
    # the words were approved (review accounts: any edit of a scheduled post drops it to
    # draft) and stay so, elsewhere they never needed approval and go back to draft.
    _need_publisher(actor, requires_review)
    if state is not State.scheduled:
        raise _wrong_state(state, Action.unschedule)
    return State.approved if requires_review else State.draft


def _go_live(state: State, actor: Actor, requires_review: bool) -> State:
    if not actor.is_system:
        raise NotPermitted("只有调度器执行定时发布")
    if state is not State.scheduled:
        raise _wrong_state(state, Action.go_live)
    return State.published


def _withdraw(state: State, actor: Actor, requires_review: bool) -> State:
    # One action for reviewers and admins, whoever wrote the post: taking words down needs
    # no second person. Authors withdraw only where they may publish (no review).
    if not can_publish(actor, requires_review):
        raise NotPermitted("该账号的稿件只能由审核员或管理员撤回")
    if state not in (State.published, State.scheduled):
        raise _wrong_state(state, Action.withdraw)
    return State.withdrawn


def _expire(state: State, actor: Actor, requires_review: bool) -> State:
    if not actor.is_system:
        raise NotPermitted("只有调度器执行过期")
    if state is not State.published:
        raise _wrong_state(state, Action.expire)
    return State.expired


_RULES = {
    Action.edit: _edit,
    Action.submit: _submit,
    Action.approve: _approve,
    Action.reject: _reject,
    Action.publish: _publish,
    Action.schedule: _schedule,
    Action.unschedule: _unschedule,
    Action.go_live: _go_live,
    Action.withdraw: _withdraw,
    Action.expire: _expire,
}

# States in which the post is (or is about to be) out on the outlets.
LIVE_STATES = frozenset({State.published})


# -- proposed changes to a live post --------------------------------------------------------
# On an account that requires review, an edit of a published post does not touch what the
# outlets serve: it is kept as a proposed change with a small state machine of its own, and
# goes out (as a new version) only when someone who wrote none of it approves it.


class ChangeState(enum.StrEnum):
    draft = "draft"
    in_review = "in_review"


CHANGE_LABELS = {ChangeState.draft: "修改草稿", ChangeState.in_review: "修改待审核"}
CHANGE_ACTIONS = frozenset({Action.edit, Action.submit, Action.approve, Action.reject})


def edits_wait_for_review(state: State, requires_review: bool) -> bool:
    """Whether an edit of a post in `state` is kept as a proposed change, the live words
    staying out until it is approved."""
    return State(state) is State.published and requires_review


def next_change_state(change: ChangeState | None, action: Action, actor: Actor
                      ) -> ChangeState | None:
    """The proposed change's state after `action` (None: applied, nothing waits any more),
    or raise NotPermitted / InvalidTransition. Four eyes always: the change replaces words
    that are live."""
    action = Action(action)
    if action not in CHANGE_ACTIONS:
        raise InvalidTransition(f"已发布稿件的待审核修改不能{ACTION_LABELS[action]}")
    if action is Action.edit:
        _need_editor(actor)
        return ChangeState.draft  # new words are unreviewed, whatever the change's state
    if change is None:
        raise InvalidTransition("这篇已发布的稿件没有待审核的修改")
    change = ChangeState(change)
    if action is Action.submit:
        _need_editor(actor)
        if change is not ChangeState.draft:
            raise InvalidTransition("这项修改已在审核中")
        return ChangeState.in_review
    if action is Action.approve:
        if not actor.roles & REVIEWERS:
            raise NotPermitted("只有审核员或管理员可以审核")
        if actor.is_author:
            raise NotPermitted("作者不能审核自己的稿件")
        _need_other_eyes(actor, True, "审核")
    elif not actor.roles & REVIEWERS:
        raise NotPermitted("只有审核员或管理员可以退回修改")
    if change is not ChangeState.in_review:
        raise InvalidTransition("这项修改还没有送审")
    return None if action is Action.approve else ChangeState.draft
