"""What WeChat silently removes from an article body: scripts, foreign images, outside links."""

from __future__ import annotations

from collections.abc import Collection
from html.parser import HTMLParser
from urllib.parse import urlsplit

WECHAT_ARTICLE_HOST = "mp.weixin.qq.com"


class _ArticleCleaner(HTMLParser):
    """Copies the HTML through, leaving out what WeChat would drop.

    Kept tags are copied from their source text, so what survives is unchanged byte for
    byte (apart from end tags, which are written in lower case).
    """

    def __init__(self, allowed_image_urls: Collection[str], own_article_prefix: str | None):
        super().__init__(convert_charrefs=False)
        self.allowed_image_urls = allowed_image_urls
        self.own_article_prefix = own_article_prefix
        self.out: list[str] = []
        self.open_links_kept: list[bool] = []
        self.in_script = False
        self.removed: dict[str, int] = {"images": 0, "links": 0, "scripts": 0}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "script":
            self.in_script = True
            self.removed["scripts"] += 1
            return
        if tag == "img" and not self._image_allowed(dict(attrs)):
            self.removed["images"] += 1
            return
        if tag == "a":
            kept = self._link_allowed(dict(attrs))
            self.open_links_kept.append(kept)
            if not kept:
                self.removed["links"] += 1
                return
        self.out.append(self.get_starttag_text() or "")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "img" and not self._image_allowed(dict(attrs)):
            self.removed["images"] += 1
            return
        if tag in ("a", "script"):
            return
        self.out.append(self.get_starttag_text() or "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self.in_script = False
            return
        if tag == "a" and self.open_links_kept and not self.open_links_kept.pop():
            return
        self.out.append(f"</{tag}>")

    def handle_data(self, data: str) -> None:
        if not self.in_script:
            self.out.append(data)

    def handle_entityref(self, name: str) -> None:
        self.out.append(f"&{name};")

    def handle_charref(self, name: str) -> None:
        self.out.append(f"&#{name};")

    def handle_comment(self, data: str) -> None:
        self.out.append(f"<!--{data}-->")

    def handle_decl(self, decl: str) -> None:
        self.out.append(f"<!{decl}>")

    def handle_pi(self, data: str) -> None:
        self.out.append(f"<?{data}>")

    def unknown_decl(self, data: str) -> None:
        self.out.append(f"<![{data}]>")

    def _image_allowed(self, attrs: dict[str, str | None]) -> bool:
        src = (attrs.get("src") or "").strip()
        # WeChat lets a format hint ride on its image URLs (?wx_fmt=png).
        return bool(src) and src.split("?", 1)[0] in self.allowed_image_urls

    def _link_allowed(self, attrs: dict[str, str | None]) -> bool:
        if attrs.get("data-miniprogram-appid"):
            return True
        href = (attrs.get("href") or "").strip()
        if self.own_article_prefix and href.startswith(self.own_article_prefix):
            return True
        parts = urlsplit(href)
        return parts.scheme in ("http", "https") and parts.hostname == WECHAT_ARTICLE_HOST


def clean_article_html(
    html: str,
    allowed_image_urls: Collection[str],
    own_article_prefix: str | None = None,
) -> tuple[str, dict[str, int]]:
    """The body as WeChat stores it, and how many images, links and scripts were removed.

    `own_article_prefix` is where the sandbox serves published articles: links there stand
    for links to mp.weixin.qq.com and are kept.
    """
    cleaner = _ArticleCleaner(allowed_image_urls, own_article_prefix)
    cleaner.feed(html)
    cleaner.close()
    return "".join(cleaner.out), cleaner.removed
