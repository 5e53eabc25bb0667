"""The console's review pieces: the waiting count on the 审核队列 tab, the queue listing new
posts and changes to live ones, and a post's review thread with its comment box."""

from __future__ import annotations

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
    assert "新稿件（第 1 版）" in queue and "已发布稿件的修改（第 2 版）" in queue
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
