"""Property tests of the editorial state machine (pure, no database)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from hub.posts.workflow import (
    Action,
    Actor,
    ChangeState,
    InvalidTransition,
    NotPermitted,
    State,
    can_publish,
    next_change_state,
    next_state,
)

roles = st.frozensets(st.sampled_from(["author", "reviewer", "admin"]))
actors = st.one_of(
    st.builds(Actor, roles=roles, is_author=st.booleans(), wrote_unapproved=st.booleans()),
    st.just(Actor.system()),
)
steps = st.lists(st.tuples(st.sampled_from(list(Action)), actors), max_size=30)


def _walk(requires_review: bool, path):
    state = State.draft
    history = [state]
    for action, actor in path:
        try:
            state = next_state(state, action, actor, requires_review=requires_review)
        except (NotPermitted, InvalidTransition):
            continue
        history.append((action, actor, state))
    return history


@given(st.booleans(), steps)
def test_every_reachable_state_is_a_known_state(requires_review, path):
    for entry in _walk(requires_review, path)[1:]:
        assert entry[2] in State


@given(steps)
def test_with_review_nothing_goes_live_unless_someone_other_than_the_author_approved(path):
    approved_by_other = False
    for action, actor, state in _walk(True, path)[1:]:
        if action is Action.approve:
            assert not actor.is_author
            approved_by_other = True
        if action is Action.edit and state is State.draft:
            approved_by_other = False
        if state in (State.published, State.scheduled) and action in (Action.publish,
                                                                       Action.schedule):
            assert approved_by_other


@given(steps)
def test_with_review_nobody_approves_or_publishes_words_they_wrote_since_approval(path):
    for action, actor, _state in _walk(True, path)[1:]:
        if action in (Action.approve, Action.publish, Action.schedule):
            assert not actor.wrote_unapproved


@given(steps)
def test_with_review_an_edit_never_leaves_words_live_or_scheduled(path):
    for action, _actor, state in _walk(True, path)[1:]:
        if action is Action.edit:
            assert state is State.draft


@given(st.booleans(), steps)
def test_only_publishers_or_the_system_move_a_post_live(requires_review, path):
    for action, actor, _state in _walk(requires_review, path)[1:]:
        if action in (Action.publish, Action.schedule, Action.withdraw, Action.go_live):
            assert can_publish(actor, requires_review)


@given(st.sampled_from(list(State)), st.sampled_from(list(Action)), actors, st.booleans())
def test_a_refused_action_is_refused_for_a_reason(state, action, actor, requires_review):
    try:
        new_state = next_state(state, action, actor, requires_review=requires_review)
    except NotPermitted as exc:
        assert str(exc)
    except InvalidTransition as exc:
        assert str(exc)
    else:
        assert new_state in State


def test_withdrawn_and_expired_posts_only_come_back_through_an_edit():
    admin = Actor(roles=frozenset({"admin"}))
    for state in (State.withdrawn, State.expired):
        for action in (Action.publish, Action.submit, Action.approve, Action.withdraw):
            try:
                next_state(state, action, admin, requires_review=False)
            except InvalidTransition:
                continue
            raise AssertionError(f"{action} allowed from {state}")
        assert next_state(state, Action.edit, admin, requires_review=False) is State.draft


def _walk_change(path):
    change = None
    history = []
    for action, actor in path:
        try:
            change = next_change_state(change, action, actor)
        except (NotPermitted, InvalidTransition):
            continue
        history.append((action, actor, change))
    return history


@given(steps)
def test_a_change_to_a_live_post_is_applied_only_by_someone_who_wrote_none_of_it(path):
    reviewed = False
    for action, actor, change in _walk_change(path):
        if action is Action.approve:
            assert change is None and reviewed
            assert actor.roles & {"reviewer", "admin"}
            assert not actor.is_author and not actor.wrote_unapproved
        reviewed = change is ChangeState.in_review
        if action is Action.edit:
            assert change is ChangeState.draft
