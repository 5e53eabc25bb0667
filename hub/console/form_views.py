"""The gallery of a post's forms: for each outlet of the post's account, every picture it will
show (and, for an outlet that plays video, the video with that picture as its poster), at
each exact size, side by side at one scale so their true proportions show, each with a link
to its file. The forms are read through the Channel port (`forms`), as the outlets send them;
their bytes are kept under the hub's var/forms by their hash and linked at /forms/<name>."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from flask import current_app, g, render_template
from sqlalchemy.orm import Session

from hub import channels
from hub.channels import DeliveryError
from hub.console.blueprint import bp
from hub.media import services as media
from hub.outlets.services import is_post_outlet, outlet_info, outlets_of
from hub.posts import services as posts
from hub.publication import snapshot

log = logging.getLogger("hub.console")
SCALE = 0.2  # every form at a fifth of its pixels: a 1920 wall beside a 750 phone poster
FILE_KINDS = {"image/jpeg": "JPG", "image/png": "PNG"}


@dataclass(frozen=True)
class ShownForm:
    label: str
    width: int
    height: int
    url: str
    kind: str  # "JPG", "PNG"
    video_url: str | None = None

    @property
    def shown_width(self) -> int:
        return max(1, round(self.width * SCALE))

    @property
    def shown_height(self) -> int:
        return max(1, round(self.height * SCALE))


@dataclass
class OutletForms:
    channel_label: str
    outlet_name: str
    forms: list[ShownForm] = field(default_factory=list)
    error: str | None = None


def forms_of(db: Session, post, public_url: str) -> list[OutletForms]:
    """Each outlet of the post's own account that the post goes to, with its forms."""
    wanted = set(post.channels) if post.channels else None
    found = []
    for outlet in outlets_of(db, [post.account_id]):
        channel = channels.get_channel(outlet.channel)
        if channel is None or not is_post_outlet(outlet) or \
                (wanted is not None and outlet.channel not in wanted):
            continue
        entry = OutletForms(channel.label, outlet.name)
        try:
            shown = snapshot(db, post, outlet.channel, outlet.account, public_url)
            entry.forms = [_shown(form) for form in channel.forms(shown, outlet_info(outlet))]
        except DeliveryError as exc:
            entry.error = exc.message
        except Exception:  # a broken adapter must not take the editor's page down
            log.exception("forms of post %s on outlet %s failed", post.id, outlet.id)
            entry.error = "该终端的版式生成失败，已记录"
        if entry.forms or entry.error:
            found.append(entry)
    return found


def _shown(form: channels.DesignedForm) -> ShownForm:
    video = media.keep_form(form.video, "video/mp4") if form.video else None
    return ShownForm(label=form.label, width=form.width, height=form.height,
                     url=media.keep_form(form.data, form.mime_type),
                     kind=FILE_KINDS.get(form.mime_type, form.mime_type), video_url=video)


@bp.get("/posts/<int:post_id>/forms")
def post_forms(post_id: int):
    from hub.console.views import account_for

    post = posts.get_post(g.db, post_id)
    account_for(post.account.code)  # the editor may see this account's posts
    outlets = forms_of(g.db, post, current_app.config["HUB"].public_url)
    return render_template("console/forms.html", post=post, account=post.account,
                           outlets=outlets, scale=SCALE, page="posts")
