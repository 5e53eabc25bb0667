"""`hub forms gallery --post ID --out DIR`: every designed form of a post (LED slides, splash
posters, the WeChat cover) written to a folder with a contact sheet, as the outlets would get
them, so an editor or a reviewer of a layout change can see them all side by side.
`--canvas led:768x384` (repeatable) draws only those canvases.

hub/cli.py adds the group: `cli.add_command(forms)`.
"""

from __future__ import annotations

import re
from pathlib import Path

import click
from sqlalchemy.orm import Session

from content.layout import Design
from content.layout.design import DEFAULT_THEME, OUTLETS
from hub.cli_exit import fail
from hub.cli_support import sessions

CALL_TO_ACTION = "立即参与"
CANVAS = re.compile(rf"({'|'.join(OUTLETS)}):([1-9][0-9]{{0,4}})x([1-9][0-9]{{0,4}})")


def design_for_post(db: Session, post_id: int, public_url: str) -> Design:
    """What the post's forms are made from: its title, summary, cover and focal point, its
    account's name and colour, and its campaign's landing page."""
    from hub.campaigns import links
    from hub.media.models import Media
    from hub.posts.services import get_post

    post = get_post(db, post_id)
    cover = db.get(Media, post.cover_media_id) if post.cover_media_id else None
    campaign = links.link_for(db, post.id, public_url) if post.kind == "promotion" else None
    link = post.link_url or (campaign.url if campaign else None)
    return Design(
        title=post.title, summary=post.summary or post.body_summary or "",
        cover=bytes(cover.data) if cover else None,
        cover_size=(cover.width, cover.height) if cover else None,
        focal=cover.focal if cover else None, account_name=post.account.name,
        theme=post.account.theme_color or DEFAULT_THEME, qr_url=link,
        call_to_action=CALL_TO_ACTION if post.kind == "promotion" else "")


def canvas_of(text: str) -> tuple[str, int, int]:
    """("led", 768, 384) from "led:768x384"; BadRequest in Chinese for anything else."""
    from hub.errors import BadRequest

    found = CANVAS.fullmatch(text.strip())
    if found is None:
        raise BadRequest(f"画面「{text}」的格式应为 终端:宽x高，如 led:768x384"
                         f"（终端为 {'、'.join(OUTLETS)} 之一）", field="canvas")
    return found.group(1), int(found.group(2)), int(found.group(3))


@click.group()
def forms() -> None:
    """Designed outlet forms (LED slides, splash posters, WeChat covers)."""


@forms.command("gallery")
@click.option("--post", "post_id", type=int, required=True, help="the post's id")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              required=True, help="the folder to write the forms and gallery.png to")
@click.option("--canvas", "wanted", multiple=True, metavar="OUTLET:WxH",
              help="only this canvas, e.g. led:768x384 (repeatable; default: every canvas)")
def gallery(post_id: int, out_dir: Path, wanted: tuple[str, ...]) -> None:
    """Write every designed form of the post and a contact sheet of them all."""
    from content.layout import gallery as pictures
    from content.layout import samples
    from hub.cli_support import wiring
    from hub.errors import HubError

    with sessions()() as db:
        try:
            canvases = [canvas_of(text) for text in wanted] or list(samples.CANVASES)
            design = design_for_post(db, post_id, wiring().config.public_url)
        except HubError as exc:
            fail(exc)
    sheet = pictures.write(design, out_dir, canvases)
    click.echo(f"已写入 {out_dir}（总览 {sheet.name}）")
