"""The sandbox's state on disk: a SQLite file it reloads when it starts again.

What the hub holds about WeChat must stay true across a restart of the sandbox: the apps it
registered (and their callback URLs), the access tokens it keeps, the publish_ids and article
ids of its deliveries, the login codes and subscribe allowances it was given. So each app is
kept as one JSON document (its image bytes in a table of their own), written after every
request and background step that looked the app up, and the serial behind publish_ids and
msg_ids is counted in the file itself: an id is never handed out twice, not even by two
sandboxes sharing the file. A dev stand-in's own file, not the hub's schema: no migrations.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from dataclasses import asdict
from pathlib import Path
from typing import Any

from .records import (
    AppRecord,
    ArticleStats,
    CallbackRecord,
    DailyQuotas,
    Draft,
    Faults,
    OneTimeCode,
    PublishJob,
    StoredImage,
    Tag,
)
from .tokens import IssuedToken, TokenFamily

SCHEMA = """
CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS apps (appid TEXT PRIMARY KEY, document TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS images (
    appid TEXT NOT NULL, name TEXT NOT NULL, data BLOB NOT NULL, PRIMARY KEY (appid, name));
"""
SERIAL = "serial"


class StateFile:
    """One sandbox's SQLite file; safe to use from any thread."""

    def __init__(self, path: str | Path) -> None:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        # Autocommit: each statement is its own transaction, so a serial taken is kept.
        self._db = sqlite3.connect(str(path), timeout=30, isolation_level=None,
                                   check_same_thread=False)
        self._lock = threading.Lock()
        self._saved: dict[str, str] = {}  # appid -> the document last written
        self._saved_images: set[tuple[str, str]] = set()
        with self._lock:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.executescript(SCHEMA)

    def next_serial(self) -> int:
        """The next number of the file's one counter (publish_ids, msg_ids derive from it)."""
        with self._lock:
            self._db.execute("INSERT OR IGNORE INTO counters VALUES (?, 0)", (SERIAL,))
            (value,) = self._db.execute(
                "UPDATE counters SET value = value + 1 WHERE name = ? RETURNING value",
                (SERIAL,)).fetchone()
        return value

    def load_apps(self) -> list[AppRecord]:
        with self._lock:
            rows = self._db.execute("SELECT appid, document FROM apps").fetchall()
            images = self._db.execute("SELECT appid, name, data FROM images").fetchall()
        data = {(appid, name): blob for appid, name, blob in images}
        self._saved = dict(rows)
        self._saved_images = set(data)
        return [app_from_document(json.loads(document), data) for _, document in rows]

    def save_app(self, app: AppRecord) -> None:
        """Write the app's document if it changed since last written, and its new images."""
        document = json.dumps(app_document(app), ensure_ascii=False, sort_keys=True)
        new_images = {(app.appid, image.name): image.data for image in _images_of(app)
                      if (app.appid, image.name) not in self._saved_images}
        with self._lock:
            if self._db is None:
                return  # closed: the sandbox is stopping
            if new_images:
                self._db.executemany("INSERT OR IGNORE INTO images VALUES (?, ?, ?)",
                                     [(*key, data) for key, data in new_images.items()])
                self._saved_images |= set(new_images)
            if self._saved.get(app.appid) != document:
                self._db.execute("INSERT OR REPLACE INTO apps VALUES (?, ?)",
                                 (app.appid, document))
                self._saved[app.appid] = document

    def forget_apps(self) -> None:
        """Every app and image gone (the sandbox's reset); the serial goes on."""
        with self._lock:
            self._db.execute("DELETE FROM apps")
            self._db.execute("DELETE FROM images")
            self._saved, self._saved_images = {}, set()

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None


def _images_of(app: AppRecord) -> list[StoredImage]:
    return [*app.images.values(), *app.materials.values()]


# -- an app as a JSON document, and back ------------------------------------------------------

def app_document(app: AppRecord) -> dict[str, Any]:
    return {
        "appid": app.appid, "secret": app.secret, "token": app.token,
        "encoding_aes_key": app.encoding_aes_key, "callback_url": app.callback_url,
        "account_type": app.account_type, "ghid": app.ghid,
        "token_families": {name: {"issued": [asdict(token) for token in family.issued],
                                  "last_forced_at": family.last_forced_at}
                           for name, family in app.token_families.items()},
        "faults": asdict(app.faults),
        "quotas": asdict(app.quotas),
        "quota_limits": app.quota_limits,
        "images": {name: _image_fields(image) for name, image in app.images.items()},
        "materials": {media_id: _image_fields(image)
                      for media_id, image in app.materials.items()},
        "drafts": [asdict(draft) for draft in app.drafts.values()],
        "publishes": [{**asdict(job), "deleted_idx": sorted(job.deleted_idx)}
                      for job in app.publishes.values()],
        "tags": [{"id": tag.id, "name": tag.name, "openids": sorted(tag.openids)}
                 for tag in app.tags.values()],
        "subscribe_allowances": [[openid, template_id, count] for (openid, template_id), count
                                 in app.subscribe_allowances.items()],
        "login_codes": [asdict(code) for code in app.login_codes.values()],
        "phone_codes": [asdict(code) for code in app.phone_codes.values()],
        "callbacks": [asdict(callback) for callback in app.callbacks],
        "article_stats": [asdict(stats) for stats in app.article_stats.values()],
        # Plain lists and dicts already.
        **{name: getattr(app, name) for name in (
            "deletions", "mass_sends", "mass_previews", "menus", "qrcodes",
            "subscribe_messages", "logins")},
    }


def _image_fields(image: StoredImage) -> dict[str, Any]:
    return {"name": image.name, "url": image.url, "filename": image.filename,
            "content_type": image.content_type, "kind": image.kind}


def app_from_document(doc: dict[str, Any], image_data: dict[tuple[str, str], bytes]
                      ) -> AppRecord:
    appid = doc["appid"]

    def image(fields: dict[str, Any]) -> StoredImage:
        return StoredImage(data=image_data.get((appid, fields["name"]), b""), **fields)

    return AppRecord(
        appid=appid, secret=doc["secret"], token=doc["token"],
        encoding_aes_key=doc["encoding_aes_key"], callback_url=doc["callback_url"],
        account_type=doc["account_type"], ghid=doc["ghid"],
        token_families={name: TokenFamily([IssuedToken(**token) for token in family["issued"]],
                                          family["last_forced_at"])
                        for name, family in doc["token_families"].items()},
        faults=Faults(**doc["faults"]),
        quotas=DailyQuotas(**doc["quotas"]),
        quota_limits=doc["quota_limits"],
        images={name: image(fields) for name, fields in doc["images"].items()},
        materials={media_id: image(fields) for media_id, fields in doc["materials"].items()},
        drafts={draft["media_id"]: Draft(**draft) for draft in doc["drafts"]},
        publishes={job["publish_id"]: PublishJob(**{**job, "deleted_idx": set(job["deleted_idx"])})
                   for job in doc["publishes"]},
        tags={tag["id"]: Tag(tag["id"], tag["name"], set(tag["openids"])) for tag in doc["tags"]},
        subscribe_allowances={(openid, template_id): count
                              for openid, template_id, count in doc["subscribe_allowances"]},
        login_codes={code["code"]: OneTimeCode(**code) for code in doc["login_codes"]},
        phone_codes={code["code"]: OneTimeCode(**code) for code in doc["phone_codes"]},
        callbacks=[CallbackRecord(**callback) for callback in doc["callbacks"]],
        # .get: a state file written before the datacube figures were kept has none.
        article_stats={stats["msgid"]: ArticleStats(**stats)
                       for stats in doc.get("article_stats", [])},
        deletions=doc["deletions"], mass_sends=doc["mass_sends"],
        mass_previews=doc["mass_previews"], menus=doc["menus"], qrcodes=doc["qrcodes"],
        subscribe_messages=doc["subscribe_messages"], logins=doc["logins"],
    )
