"""The pure campaign rules: red-packet splits, windows, eligibility, quizzes, draws, waitlists."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hub.campaigns import rules


@settings(max_examples=200, deadline=None)
@given(count=st.integers(1, 500), extra=st.integers(0, 2_000_000), seed=st.integers())
def test_red_packets_add_up_to_the_budget_and_none_is_empty(count, extra, seed):
    budget = count + extra
    amounts = rules.split_red_packets(budget, count, random.Random(seed))
    assert len(amounts) == count
    assert sum(amounts) == budget
    assert min(amounts) >= 1


def test_each_packet_stays_within_twice_the_remaining_average():
    # Before the shuffle, packet i is at most 2 × (what remained) / (packets left).
    class NoShuffle(random.Random):
        def shuffle(self, x):
            return None

    amounts = rules.split_red_packets(1_000_000, 2_000, NoShuffle(7))
    remaining, left = 1_000_000, 2_000
    for amount in amounts[:-1]:
        assert 1 <= amount <= 2 * remaining // left
        remaining, left = remaining - amount, left - 1
    assert amounts[-1] == remaining


def test_a_split_is_shuffled_and_reproducible_from_its_seed():
    first = rules.split_red_packets(100_000, 200, rules.seeded("abc", "split"))
    again = rules.split_red_packets(100_000, 200, rules.seeded("abc", "split"))
    other = rules.split_red_packets(100_000, 200, rules.seeded("abd", "split"))
    assert first == again and first != other


def test_impossible_splits_are_refused():
    with pytest.raises(rules.RuleError) as too_small:
        rules.split_red_packets(5, 10, random.Random(1))
    assert too_small.value.field == "budget_fen"
    with pytest.raises(rules.RuleError):
        rules.split_red_packets(5, 0, random.Random(1))


def test_window_edges():
    start = dt.datetime(2026, 1, 1, 2, tzinfo=dt.UTC)
    window = rules.Window(start, start + dt.timedelta(hours=1))
    assert window.check(start - dt.timedelta(seconds=1)) == "not_started"
    assert window.check(start) is None
    assert window.check(start + dt.timedelta(minutes=59, seconds=59)) is None
    assert window.check(start + dt.timedelta(hours=1)) == "ended"


def test_eligibility_follows_verification_and_the_account_subtree():
    dongguan, humen_union = "/1/2/", "/1/2/30/55/"
    ok = rules.Claimant(member_id=5, verified=True, union_path=humen_union)
    assert rules.eligibility(ok, [dongguan]) is None
    assert rules.eligibility(ok, ["/1/3/"]) == "not_eligible"
    assert rules.eligibility(ok, ["/1/3/", "/1/2/30/"]) is None  # a listed region
    assert rules.eligibility(rules.Claimant(5, False, humen_union), [dongguan]) == "unverified"
    assert rules.eligibility(rules.Claimant(None, False, None), [dongguan]) == "unverified"
    # "/1/2/" must not admit "/1/20/": paths end with a slash.
    assert rules.eligibility(rules.Claimant(5, True, "/1/20/4/"), [dongguan]) == "not_eligible"


def test_quiz_scoring_and_what_members_see():
    questions = rules.check_questions([
        {"text": "工会法哪年颁布？", "choices": ["1950", "1992"], "answer": 1},
        {"id": "b", "text": "职工之家", "choices": ["是", "否"], "answer": 0}])
    assert [q["id"] for q in questions] == ["q1", "b"]
    assert rules.score(questions, {"q1": 1, "b": 0}) == 2
    assert rules.score(questions, {"q1": 0}) == 0
    assert all("answer" not in q for q in rules.public_questions(questions))
    with pytest.raises(rules.RuleError):
        rules.check_questions([{"text": "x", "choices": ["a"], "answer": 0}])
    with pytest.raises(rules.RuleError):
        rules.check_questions([{"text": "x", "choices": ["a", "b"], "answer": 2}])


def test_draws_are_reproducible_and_fair_in_size():
    entrants = list(range(1, 101))
    winners = rules.draw("seed-1", entrants, 10)
    assert len(winners) == 10 and set(winners) <= set(entrants)
    assert rules.draw("seed-1", list(reversed(entrants)), 10) == winners
    assert rules.draw("seed-2", entrants, 10) != winners
    assert rules.draw("seed-1", [3, 4], 10) == [3, 4]


def test_instant_wins_follow_the_seed_and_roughly_the_chance():
    wins = sum(rules.instant_win("s", f"{n}:1", 0.3) for n in range(2000))
    assert 500 < wins < 700
    assert rules.instant_win("s", "9:1", 0.3) == rules.instant_win("s", "9:1", 0.3)


def test_waitlist_promotion_goes_in_order():
    assert rules.promote([7, 3], [11, 12, 13]) == [(3, 11), (7, 12)]
    assert rules.promote([5], []) == []
