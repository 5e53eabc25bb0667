"""Properties of the sandbox's body cleaner and of its WeChat-style JSON reader."""

from __future__ import annotations

import json
import re

from hypothesis import given
from hypothesis import strategies as st

from adapters.wechat.sandbox.content_filter import clean_article_html
from adapters.wechat.sandbox.wire import parse_wechat_json

OWN_IMAGE = "http://127.0.0.1:1/mmbiz/wx1/own.jpg"
PLAIN_TEXT = st.text(alphabet=st.characters(blacklist_characters="<>&"), max_size=40)
FOREIGN_URLS = st.sampled_from([
    "https://example.com/a.jpg", "http://mmbiz.qpic.cn/x/0", "//cdn.example.org/b.png",
    "data:image/png;base64,AAAA"])


@given(st.lists(st.tuples(PLAIN_TEXT, st.sampled_from(["own", "foreign", "link"]),
                          FOREIGN_URLS), max_size=8))
def test_only_own_images_and_text_survive(pieces):
    html = "".join(
        text + (f'<img src="{OWN_IMAGE}">' if kind == "own"
                else f'<img src="{url}">' if kind == "foreign"
                else f'<a href="{url}">{text}</a>')
        for text, kind, url in pieces)

    cleaned, _ = clean_article_html(html, {OWN_IMAGE})

    assert re.findall(r'src="([^"]*)"', cleaned) == [OWN_IMAGE] * sum(
        kind == "own" for _, kind, _ in pieces)
    assert "<a " not in cleaned
    assert re.sub(r"<[^>]*>", "", cleaned) == "".join(
        text * (2 if kind == "link" else 1) for text, kind, _ in pieces)


# Control characters must be escaped in JSON even in UTF-8, so WeChat keeps those literal too.
@given(st.text(alphabet=st.characters(blacklist_categories=("Cc", "Cs")), max_size=30))
def test_utf8_json_reads_back_unchanged(text):
    raw = json.dumps({"title": text}, ensure_ascii=False).encode("utf-8")

    assert parse_wechat_json(raw)["title"] == text


@given(st.text(alphabet=st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF),
               min_size=1, max_size=10))
def test_unicode_escapes_are_kept_as_literal_text(text):
    raw = json.dumps({"title": text}).encode("ascii")  # every character as \uXXXX

    assert parse_wechat_json(raw)["title"] == "".join(f"\\u{ord(c):04x}" for c in text)
