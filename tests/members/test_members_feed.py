"""The merged feed: followed accounts and what was pushed down to them, newest first, each
post once, withdrawn posts gone, cursor pages that neither skip nor repeat."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from hub.accounts.services import get_account
from hub.errors import BadRequest
from hub.members import feed, follows, verification
from hub.posts.models import Post
from hub.ratelimits import RateLimits


@pytest.fixture
def reader(db, demo):
    """Someone who follows a Dongguan factory union and a Meizhou county, nothing else."""
    person = verification.sign_in(db, "o-reader")
    for code in ("dg-humen-port", "mz-meixian"):
        follows.follow(db, person, get_account(db, code))
    db.commit()
    return person


def _titles(db, person, **kw) -> list[str]:
    db.rollback()
    return [item.title for item in feed.feed(db, person.id, **kw).items]


def test_followed_and_pushed_down_posts_merge_once(db, reader, publish, client, token_for):
    publish("gd-admin", "guangdong", "全省：推送到所有下级", push_down="all")
    publish("gd-admin", "guangdong", "全省：只推送梅州", push_down=["meizhou"])
    publish("mz-editor", "meizhou", "梅州：推送到所有区县", push_down="all")
    publish("mz-editor", "meizhou", "梅州：不下发")
    publish("gd-admin", "dg-humen-port", "港务工会：自己的")
    publish("dg-editor", "dongguan", "东莞：只推送虎门镇", push_down=["dg-humen"],
            reviewer="dg-reviewer")
    publish("gd-admin", "mz-meixian", "梅县：自己的")
    draft = {"account": "mz-meixian", "title": "梅县：草稿", "body": "未发布"}
    client.post("/api/v1/posts", headers=token_for("gd-admin"), json=draft)
    assert _titles(db, reader) == ["梅县：自己的", "港务工会：自己的", "梅州：推送到所有区县",
                                   "全省：推送到所有下级"]
    page = feed.feed(db, reader.id)
    assert [item.from_followed for item in page.items] == [True, True, False, False]
    assert page.items[1].account_code == "dg-humen-port" and page.next_cursor is None


def test_withdrawn_posts_vanish(db, reader, publish, client, token_for):
    kept = publish("gd-admin", "dg-humen-port", "保留")
    gone = publish("gd-admin", "guangdong", "撤回", push_down="all")
    assert _titles(db, reader) == ["撤回", "保留"]
    answer = client.post(f"/api/v1/posts/{gone}/withdraw", headers=token_for("gd-admin"),
                         json={"note": "有误"})
    assert answer.status_code == 200, answer.get_json()
    assert _titles(db, reader) == ["保留"]
    assert [i.post_id for i in feed.feed(db, reader.id).items] == [kept]


def test_pages_follow_the_cursor_without_gaps_or_repeats(db, reader, publish):
    expected = []
    for i in range(7):
        account = ("dg-humen-port", "mz-meixian", "guangdong")[i % 3]
        title = f"第{i}篇"
        publish("gd-admin", account, title, push_down="all" if account == "guangdong" else None)
        expected.insert(0, title)
    seen, cursor = [], None
    while True:
        db.rollback()
        page = feed.feed(db, reader.id, cursor=cursor, limit=3)
        seen += [item.title for item in page.items]
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert seen == expected
    # A post published while someone reads on appears on top, never in a later page.
    publish("gd-admin", "mz-meixian", "新的一篇")
    db.rollback()
    assert [i.title for i in feed.feed(db, reader.id, limit=3).items][0] == "新的一篇"


def test_posts_with_the_same_time_are_ordered_by_id(db, reader, publish):
    ids = [publish("gd-admin", "mz-meixian", f"同时{i}") for i in range(4)]
    db.execute(update(Post).where(Post.id.in_(ids))
               .values(published_at=db.get(Post, ids[0]).published_at))
    db.commit()
    first = feed.feed(db, reader.id, limit=2)
    second = feed.feed(db, reader.id, limit=2, cursor=first.next_cursor)
    assert [i.post_id for i in first.items + second.items] == sorted(ids, reverse=True)


def test_a_verified_member_sees_their_chain_from_the_start(db, demo, keys, publish):
    from members_helpers import HEADER, make_number

    from hub.members import rolls

    rows = [(1, HEADER), (2, ["陈工", make_number(7), "", "dg-humen-garment", ""])]
    rolls.import_roll(db, get_account(db, "dongguan"), rows, keys=keys)
    person = verification.sign_in(db, "o-member")
    verification.verify(db, person, "陈工", make_number(7), limits=RateLimits.in_memory(),
                        keys=keys).raise_for_failure()
    db.commit()
    publish("gd-admin", "guangdong", "省总：不下发")
    publish("gd-admin", "dg-humen", "虎门：镇里的")
    publish("mz-editor", "meizhou", "梅州：关注后才看到")
    titles = _titles(db, person)
    assert titles[:2] == ["虎门：镇里的", "省总：不下发"]
    assert demo.POSTS[0][4] in titles  # 东莞's own, from the demo
    assert "梅州：关注后才看到" not in titles
    follows.follow(db, person, get_account(db, "meizhou"))
    db.commit()
    assert _titles(db, person)[0] == "梅州：关注后才看到"


def test_no_follows_and_bad_cursors(db, demo):
    person = verification.sign_in(db, "o-nobody")
    db.commit()
    assert feed.feed(db, person.id).items == []
    follows.follow(db, person, get_account(db, "meizhou"))
    for cursor in ("not-a-cursor", "", "abc.def", "MTIz"):
        if cursor:
            with pytest.raises(BadRequest):
                feed.feed(db, person.id, cursor=cursor)


def test_pages_match_a_plain_reading_of_post_reach(db, reader, publish, client, token_for):
    """Random posts across the tree, some pushed down, some withdrawn: the pages, read one
    after another, are exactly the published posts that reached a followed account."""
    import random

    from sqlalchemy import select

    from hub.deliveries.models import PostReach

    rng = random.Random(11)
    authors = ["guangdong", "dongguan", "dg-humen", "dg-humen-port", "dg-humen-garment",
               "meizhou", "mz-meixian", "mz-meijiang", "mz-meijiang-hospital"]
    pushes = {"guangdong": ["all", ["dongguan"], ["meizhou", "dongguan"], ["mz-meixian"]],
              "dongguan": ["all", ["dg-humen"], ["dg-changan"]], "dg-humen": ["all"],
              "meizhou": ["all", ["mz-meijiang"], ["mz-meixian"]], "mz-meijiang": ["all"]}
    admin = token_for("gd-admin")
    posted = []
    for n in range(40):
        author = rng.choice(authors)
        push = rng.choice([None, *pushes.get(author, [])])
        reviewer = "dg-reviewer" if author == "dongguan" else None
        user = "dg-editor" if author == "dongguan" else "gd-admin"
        posted.append(publish(user, author, f"随机{n}", push_down=push, reviewer=reviewer))
    for post_id in rng.sample(posted, 6):
        client.post(f"/api/v1/posts/{post_id}/withdraw", headers=admin, json={"note": "撤"})
    db.rollback()
    followed = set(follows.followed_ids(db, reader.id))
    reached = {post_id for post_id, account_id in db.execute(
        select(PostReach.post_id, PostReach.account_id)) if account_id in followed}
    expected = [p.id for p in db.scalars(
        select(Post).where(Post.state == "published", Post.id.in_(reached))
        .order_by(Post.published_at.desc(), Post.id.desc()))]
    for size in (1, 4, 7):
        seen, cursor = [], None
        while True:
            page = feed.feed(db, reader.id, cursor=cursor, limit=size)
            seen += [item.post_id for item in page.items]
            if page.next_cursor is None:
                break
            cursor = page.next_cursor
        assert seen == expected, size
    assert len(expected) >= 10
