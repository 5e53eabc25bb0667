"""Storing uploaded images after content.images has checked them."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from content.images import ImageRejected, RenditionCache, inspect_image
from content.layout import cache as form_files
from content.layout.focal import find_focal
from hub.accounts.models import Account
from hub.audit.services import record
from hub.errors import BadRequest, NotFound, TooLarge
from hub.media.models import Media
from hub.media.names import display_name
from hub.users.models import User
from hub.users.permissions import require_role


def store_upload(db: Session, user: User, account: Account, filename: str, data: bytes,
                 *, max_bytes: int) -> Media:
    """Keep an image for the account; the same bytes uploaded twice give the same media."""
    require_role(db, user, account, "author", "reviewer", "admin")
    if len(data) > max_bytes:
        raise TooLarge(f"文件超过 {max_bytes // (1024 * 1024)} MB", field="file")
    try:
        info = inspect_image(data, max_bytes=max_bytes)
    except ImageRejected as exc:
        raise BadRequest(exc.reason, field="file") from None
    existing = db.scalar(select(Media).where(Media.account_id == account.id,
                                             Media.sha256 == info.sha256))
    if existing is not None:
        return existing
    media = Media(account_id=account.id, uploader_id=user.id, sha256=info.sha256,
                  filename=display_name(filename), mime_type=info.mime_type,
                  width=info.width, height=info.height, byte_size=info.byte_size, data=data)
    media.focal_x, media.focal_y = _found_focal(data)
    db.add(media)
    db.flush()
    record(db, actor=user, action="media.upload", account_id=account.id, subject_type="media",
           subject_id=media.id, filename=media.filename, bytes=media.byte_size)
    return media


def _found_focal(data: bytes) -> tuple[float | None, float | None]:
    try:
        return find_focal(data)
    except Exception:  # noqa: BLE001  (an analysis failure must not refuse a good upload)
        return None, None


def move_focal(db: Session, user: User, media: Media, x: float, y: float) -> Media:
    """An editor says where the picture's interest lies; every outlet's crop follows."""
    account = db.get(Account, media.account_id)
    require_role(db, user, account, "author", "reviewer", "admin")
    media.focal_x, media.focal_y = round(x, 4), round(y, 4)
    record(db, actor=user, action="media.focal", account_id=account.id, subject_type="media",
           subject_id=media.id, x=media.focal_x, y=media.focal_y)
    return media


def get_media(db: Session, media_id: int) -> Media:
    media = db.get(Media, media_id)
    if media is None:
        raise NotFound(f"没有编号为 {media_id} 的媒体", field="media")
    return media


def rendition_cache() -> RenditionCache:
    """Renditions are derived data: each machine keeps its own under var/renditions."""
    app = current_app._get_current_object()
    if "hub.renditions" not in app.extensions:
        app.extensions["hub.renditions"] = RenditionCache(app.config["HUB"].var_dir / "renditions")
    return app.extensions["hub.renditions"]


def forms_folder():
    """Where this machine keeps designed forms (content.layout.cache; set at start-up)."""
    return form_files.disk_folder() or current_app.config["HUB"].var_dir / "forms"


def keep_form(data: bytes, mime_type: str) -> str:
    """Finished bytes of a form kept by their hash; their address under /forms/."""
    return f"/forms/{form_files.keep(forms_folder(), data, mime_type)}"


def form_file(name: str) -> tuple[bytes, str] | None:
    return form_files.stored(forms_folder(), name)
