"""The WeChat form of a post: styled inline in the account's theme colour, links WeChat would
strip moved out of the body, limits checked before anything is sent.

WeChat keeps no stylesheet and strips `<style>`: every rule goes inline. Article bodies may
link only to WeChat articles and mini-programs, so an external link keeps its text in place
and goes to the "阅读原文" link (`content_source_url`) or, beyond the first, to a plain-text
list at the end. Image URLs are replaced at delivery by those `media/uploadimg` returns.
"""

from __future__ import annotations

import html
import io
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urlsplit

from PIL import Image, ImageColor

from content import images, layout
from content.layout.focal import crop_box
from hub.channels import OutletInfo, PostSnapshot

TITLE_MAX = 32
AUTHOR_MAX = 16
DIGEST_MAX = 128
CONTENT_MAX_CHARS = 20_000  # "必须少于 2 万字符"
CONTENT_MAX_BYTES = 1024 * 1024
THUMB_SIZE = (900, 383)  # 2.35:1, the cover as the feed shows it
CARDS = layout.FormCache(entries=32)  # designed thumbs of posts without a cover
THUMB_MAX_BYTES = 64 * 1024
BODY_IMAGE_MAX_WIDTH = 1080
BODY_IMAGE_MAX_BYTES = 1024 * 1024 - 1
DEFAULT_THEME = "#C8102E"
WECHAT_HOSTS = ("mp.weixin.qq.com",)

_BASE = "font-size:16px;line-height:1.8;color:#333;letter-spacing:0.5px;word-break:break-all;"

OUTLET_SOURCE = "wechat"  # the `src` its links carry to a campaign
LABEL = "微信公众号"  # the channel's name for editors (WeChatChannel.label)
# Where an editor gives WeChat its own title or summary: the compose form's fold of
# per-channel fields, each labelled "<channel label>用的标题" / "<channel label>用的摘要".
OWN_FIELDS = "写稿页「各渠道单独设置标题、摘要」"


def _styles(theme: str) -> dict[str, str]:
    heading = f"font-weight:bold;color:{theme};margin:1.2em 0 0.6em;"
    return {
        "p": "margin:0 0 1em;",
        "h1": heading + f"font-size:20px;padding-left:10px;border-left:4px solid {theme};",
        "h2": heading + f"font-size:18px;padding-left:10px;border-left:4px solid {theme};",
        "h3": heading + "font-size:17px;", "h4": heading + "font-size:16px;",
        "h5": heading + "font-size:16px;", "h6": heading + "font-size:16px;",
        "strong": f"color:{theme};font-weight:bold;", "b": f"color:{theme};font-weight:bold;",
        "blockquote": f"margin:1em 0;padding:8px 12px;border-left:3px solid {theme};"
                      "background:#f7f7f7;color:#666;",
        "ul": "margin:0 0 1em;padding-left:1.5em;", "ol": "margin:0 0 1em;padding-left:1.5em;",
        "li": "margin:0.3em 0;",
        "a": f"color:{theme};text-decoration:none;border-bottom:1px solid {theme};",
        "img": "max-width:100%;height:auto;display:block;margin:0.8em auto;",
        "table": "border-collapse:collapse;width:100%;margin:1em 0;font-size:14px;",
        "th": f"border:1px solid #ddd;padding:6px;background:{theme};color:#fff;",
        "td": "border:1px solid #ddd;padding:6px;",
        "hr": "border:none;border-top:1px solid #eee;margin:1.5em 0;",
        "code": "background:#f5f5f5;padding:2px 4px;border-radius:3px;font-size:14px;",
        "pre": "background:#f5f5f5;padding:10px;overflow-x:auto;font-size:14px;",
        "figure": "margin:1em 0;",
        "figcaption": "text-align:center;color:#999;font-size:14px;",
    }


@dataclass
class Link:
    text: str
    href: str


@dataclass
class Article:
    """One article as draft/add wants it, images still at their hub URLs."""

    title: str
    author: str
    digest: str
    content: str
    content_source_url: str
    theme: str
    image_sources: list[str] = field(default_factory=list)
    moved_links: list[Link] = field(default_factory=list)
    focal: tuple[float, float] | None = None  # the cover's, for WeChat's 1:1 crop

    def draft_fields(self, thumb_media_id: str, content: str) -> dict:
        return {"title": self.title, "author": self.author, "digest": self.digest,
                "content": content, "content_source_url": self.content_source_url,
                "thumb_media_id": thumb_media_id, "need_open_comment": 0,
                "only_fans_can_comment": 0, "pic_crop_235_1": "0_0_1_1",
                "pic_crop_1_1": square_crop(self.focal)}


def square_crop(focal: tuple[float, float] | None = None) -> str:
    """The 1:1 crop (share cards, second articles) as WeChat's X1_Y1_X2_Y2 fractions of the
    2.35:1 thumb, around the cover's focal point (the thumb keeps the cover's full height
    for a landscape cover, so the focal point's x carries over)."""
    width, height = THUMB_SIZE
    left, _, right, _ = crop_box(THUMB_SIZE, 1.0, focal)
    return f"{left / width:.6f}_0_{right / width:.6f}_1"


def is_wechat_link(href: str) -> bool:
    parts = urlsplit(href)
    return parts.scheme in ("http", "https") and parts.hostname in WECHAT_HOSTS


class _Styler(HTMLParser):
    """Copies sanitised HTML (content.markdown's output) with inline styles, taking out the
    links WeChat would strip and collecting image sources."""

    def __init__(self, theme: str, public_url: str = ""):
        super().__init__(convert_charrefs=True)
        self.styles = _styles(theme)
        self.public_url = public_url.rstrip("/")
        self.out: list[str] = []
        self.images: list[str] = []
        self.links: list[Link] = []
        self._link_stack: list[Link | None] = []

    def _open(self, tag: str, attrs: dict[str, str | None], close: bool = False) -> None:
        kept = {name: value for name, value in attrs.items()
                if name in ("src", "alt", "title", "href", "width", "height")
                and value is not None}
        style = self.styles.get(tag)
        text = "".join(f' {name}="{html.escape(value, quote=True)}"'
                       for name, value in kept.items())
        if style:
            text += f' style="{style}"'
        self.out.append(f"<{tag}{text}{' /' if close else ''}>")

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "img":
            src = (attributes.get("src") or "").strip()
            if src:
                self.images.append(src)
                self._open(tag, attributes, close=True)
            return
        if tag == "a":
            href = (attributes.get("href") or "").strip()
            if is_wechat_link(href):
                self._link_stack.append(None)
                self._open(tag, {"href": href})
            else:
                link = Link("", self._absolute(href))
                self._link_stack.append(link)
                if href:
                    self.links.append(link)
            return
        if tag == "br":
            self.out.append("<br />")
            return
        if tag == "hr":
            self._open(tag, {}, close=True)
            return
        self._open(tag, attributes)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)

    def _absolute(self, href: str) -> str:
        """A path on the hub (`/sites/…`) as a full address: the list tells readers to copy
        it into a browser, which cannot open a bare path."""
        if self.public_url and href.startswith("/") and not href.startswith("//"):
            return self.public_url + href
        return href

    def handle_endtag(self, tag):
        if tag in ("img", "br", "hr"):
            return
        if tag == "a" and self._link_stack and self._link_stack.pop() is not None:
            return  # the external link's text stays; the link itself is gone
        self.out.append(f"</{tag}>")

    def handle_data(self, data):
        for link in self._link_stack:
            if link is not None:
                link.text += data
        self.out.append(html.escape(data, quote=False))


def _links_section(links: list[Link], theme: str) -> str:
    items = "".join(
        f'<p style="margin:0 0 0.4em;font-size:14px;color:#666;">{number}. '
        f"{html.escape(link.text.strip() or '链接')}：{html.escape(link.href)}</p>"
        for number, link in enumerate(links, start=1))
    return (f'<p style="margin:1.5em 0 0.5em;font-size:14px;font-weight:bold;color:{theme};">'
            f"文中链接（复制到浏览器打开）</p>{items}")


def _campaign_button(appid: str, path: str, theme: str) -> str:
    """A promotion's way into its campaign: a mini-program link, which WeChat keeps."""
    return (f'<p style="margin:1.5em 0;text-align:center;"><a data-miniprogram-appid='
            f'"{html.escape(appid)}" data-miniprogram-path="{html.escape(path)}" href="" '
            f'style="display:inline-block;padding:0.6em 2em;border-radius:4px;color:#fff;'
            f'background:{theme};text-decoration:none;">立即参与活动</a></p>')


def article_for(post: PostSnapshot, outlet: OutletInfo, theme: str | None = None,
                miniprogram_appid: str | None = None, public_url: str = "") -> Article:
    """The post as this official account publishes it; a promotion with a campaign gets a
    button opening the campaign in the union mini-program. Links to the hub's own pages are
    listed with `public_url` in front."""
    theme = outlet.config.get("theme_color") or theme or DEFAULT_THEME
    styler = _Styler(theme, public_url)
    styler.feed(post.body_html)
    styler.close()
    external = [link for link in styler.links if urlsplit(link.href).scheme in ("http", "https")]
    source_url = post.link_from(OUTLET_SOURCE) or (external[0].href if external else "")
    listed = [link for link in styler.links if link.href != source_url]
    content = "".join(styler.out)
    if post.campaign_path and miniprogram_appid:
        content += _campaign_button(miniprogram_appid, post.campaign_path_from(OUTLET_SOURCE),
                                    theme)
    if listed:
        content += _links_section(listed, theme)
    author = str(outlet.config.get("author") or post.account_name)
    return Article(title=post.title, author=author, digest=post.summary or "",
                   content=f'<section style="{_BASE}">{content}</section>',
                   content_source_url=source_url, theme=theme,
                   image_sources=list(dict.fromkeys(styler.images)), moved_links=styler.links,
                   focal=post.cover.focal if post.cover else None)


def problems(article: Article, body: str) -> list[str]:
    """What WeChat would refuse, said before publishing, with what to do about it."""
    found = []
    if len(article.title) > TITLE_MAX:
        found.append(f"微信标题最多 {TITLE_MAX} 字，现为 {len(article.title)} 字：请缩短标题，"
                     f"或在{OWN_FIELDS}里填写「{LABEL}用的标题」")
    if len(article.digest) > DIGEST_MAX:
        found.append(f"微信摘要最多 {DIGEST_MAX} 字，现为 {len(article.digest)} 字：请缩短摘要，"
                     f"或在{OWN_FIELDS}里填写「{LABEL}用的摘要」")
    if len(article.author) > AUTHOR_MAX:
        found.append(f"微信作者名最多 {AUTHOR_MAX} 字，现为 {len(article.author)} 字："
                     "请联系管理员为这个公众号另设较短的作者名（未设时用账号名称）")
    if not body.strip():
        found.append("微信图文的正文不能为空")
    if len(article.content) >= CONTENT_MAX_CHARS:
        found.append(f"正文排版后 {len(article.content)} 字符，微信要求少于 2 万字符：请精简正文"
                     "或拆成几篇")
    elif len(article.content.encode("utf-8")) >= CONTENT_MAX_BYTES:
        found.append("正文排版后超过 1 MB，微信不接受：请精简正文")
    return found


def replace_images(content: str, uploaded: dict[str, str | None]) -> str:
    """Image sources swapped for their WeChat URLs; an image that could not be uploaded is
    left out (its alt text stays), so one bad picture never stops the article."""

    def swap(match: re.Match) -> str:
        tag = match.group(0)
        src = html.unescape(match.group(2))
        url = uploaded.get(src)
        if url is None:
            alt = re.search(r'alt="([^"]*)"', tag)
            return f"<span>[图片：{alt.group(1)}]</span>" if alt and alt.group(1) else ""
        return tag.replace(match.group(1) + match.group(2), match.group(1) + html.escape(url))

    return re.sub(r'<img[^>]*?(src=")([^"]*)"[^>]*>', swap, content)


# -- pictures ----------------------------------------------------------------------------


def thumb_image(cover: bytes | None, theme: str, focal: tuple[float, float] | None = None,
                title: str = "") -> bytes:
    """The cover as a permanent thumb: 2.35:1 cropped around its focal point, JPG, at most
    64 KB. Without a cover (WeChat insists on one), a card the hub designs from the title
    in the account's colour (no account name: WeChat shows it beside the article, and one
    card then serves a whole matrix of accounts, drawn once); a plain block of that colour
    when there is no title either."""
    width, height = THUMB_SIZE
    if cover:
        return images.render(cover, width, height, mode="crop", format="JPEG",
                             background="#ffffff", max_bytes=THUMB_MAX_BYTES, focal=focal)
    if title:
        try:
            form = layout.compose(layout.Design(title=title, theme=theme), "wechat", width,
                                  height, cache=CARDS)
            return images.render(form.data, width, height, format="JPEG",
                                 max_bytes=THUMB_MAX_BYTES)
        except (layout.LayoutRefused, images.ImageRejected):
            pass  # a title too long for the card: the plain block below still publishes
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), ImageColor.getrgb(theme)).save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


def thumb_for(article: Article, cover: bytes | None) -> bytes:
    return thumb_image(cover, article.theme, article.focal, article.title)


def square_of(thumb: bytes, focal: tuple[float, float] | None = None) -> bytes:
    """The 1:1 crop WeChat cuts from the thumb (share cards), as `square_crop` names it."""
    with Image.open(io.BytesIO(thumb)) as opened:
        square = opened.convert("RGB").crop(crop_box(THUMB_SIZE, 1.0, focal))
    buffer = io.BytesIO()
    square.save(buffer, "JPEG", quality=88)
    return buffer.getvalue()


def body_image(data: bytes) -> bytes:
    """An article image as uploadimg takes it: JPG, at most 1080 px wide, under 1 MB."""
    info = images.inspect_image(data)
    width = min(info.width, BODY_IMAGE_MAX_WIDTH)
    height = max(1, round(info.height * width / info.width))
    return images.render(data, width, height, mode="crop", format="JPEG",
                         background="#ffffff", max_bytes=BODY_IMAGE_MAX_BYTES)
