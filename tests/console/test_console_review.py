"""The console's review pieces: the waiting count on the 审核队列 tab, the queue listing new
posts and changes to live ones, and a post's review thread with its comment box."""

from __future__ import annotations

import re

from console_support import post_form
from test_console_pages import _act, _compose, _published


def test_the_queue_counts_and_lists_what_waits_and_the_thread_takes_comments(
        console_as, sites, dispatcher):
    editor, reviewer = console_as("dg-editor"), console_as("dg-reviewer")
    fresh = _compose(editor, title="新稿待审", channels=["web"])
    _act(editor, fresh, "submit")
    live, _ = _published(console_as, "已发布的稿件")
    dispatcher.drain()
    post_form(editor, f"/console/posts/{live}", {"title": "已发布稿件的修改", "body": "改",
                                                 "column": "news",
                                                 "channels": ["web", "loopback", "led"]})
    _act(editor, live, "submit")

    queue = reviewer.get("/console/a/dongguan/review").get_data(as_text=True)
    assert 'class="badge"' in queue and ">2<" in queue
    assert "新稿件（第 1 次修订）" in queue and "已发布稿件的修改（第 2 次修订）" in queue
    assert queue.count("可以审核") == 2

    commented = post_form(reviewer, f"/console/posts/{fresh}", {"body": "第二段请补充时间"},
                          to=f"/console/posts/{fresh}/comments")
    assert commented.status_code == 302
    page = editor.get(f"/console/posts/{fresh}").get_data(as_text=True)
    assert "审核意见与评论" in page and "第二段请补充时间" in page
    _act(reviewer, fresh, "reject", note="请补充时间")
    page = editor.get(f"/console/posts/{fresh}").get_data(as_text=True)
    assert "退回修改" in page and 'id="comment-body"' not in page  # no longer in review
    assert ">1<" in reviewer.get("/console/a/dongguan/review").get_data(as_text=True)


def test_one_word_for_each_number_on_the_post_pages(console_as, sites, dispatcher):
    """A post's edit counter (revision) reads 「第 N 次修订」 and its publication counter
    (version) 「第 N 次发布」 on every page: never 「第 N 版」, which the pages once used
    for both."""
    editor, reviewer = console_as("dg-editor"), console_as("dg-reviewer")
    post_id = _compose(editor, title="两个数字", channels=["web"])
    post_form(editor, f"/console/posts/{post_id}", {"title": "两个数字", "body": "再改一次",
                                                    "column": "news", "channels": ["web"]})
    _act(editor, post_id, "submit")
    _act(reviewer, post_id, "approve")
    _act(reviewer, post_id, "publish")  # revision 2, version 1
    dispatcher.drain()
    post_form(editor, f"/console/posts/{post_id}", {"title": "两个数字", "body": "第三次",
                                                    "column": "news", "channels": ["web"]})
    _act(editor, post_id, "submit")  # a pending change: revision 3
    post_form(reviewer, f"/console/posts/{post_id}", {"body": "看过了"},
              to=f"/console/posts/{post_id}/comments")

    pages = {url: reviewer.get(url).get_data(as_text=True) for url in (
        f"/console/posts/{post_id}", f"/console/posts/{post_id}/revisions",
        f"/console/posts/{post_id}/deliveries", "/console/a/dongguan/review")}
    for url, page in pages.items():
        assert not re.search(r"第 \d+ 版", page), url
    post_page = pages[f"/console/posts/{post_id}"]
    assert "第 2 次修订" in post_page and "第 3 次修订" in post_page
    assert "已发布稿件的修改（第 3 次修订）" in pages["/console/a/dongguan/review"]
    assert "第 1 次发布" in pages[f"/console/posts/{post_id}/deliveries"]
