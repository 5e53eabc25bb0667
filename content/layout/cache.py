"""Drawn forms kept by the hash of what they are made from: a post published to forty screens
of one size is drawn once, and a repeated delivery draws nothing.

On disk when there is a folder for them (a cache's own, or the one `keep_on_disk` names for
the whole process: the hub's var/forms, set at start-up): files named by that hash, so a
restart draws nothing again, every worker process on the machine shares them, memory stays
flat, and a file's name (`FormCache.name`) is an address whose bytes never change. Without a
folder (a library use, a test), the last `entries` forms are kept in memory.
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections import OrderedDict
from pathlib import Path

from content.images import _read_if_present, _write_atomically
from content.layout.design import Design
from content.layout.forms import Form, draw, plan

EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "video/mp4": "mp4"}
MIME_TYPES = {extension: mime for mime, extension in EXTENSIONS.items()}
FILE_NAME = re.compile(r"([0-9a-f]{64})\.(jpg|png|mp4)")
_process_folder: Path | None = None


def keep_on_disk(directory: str | Path | None) -> None:
    """The folder where every cache made without one of its own keeps its files (None: in
    memory again)."""
    global _process_folder
    _process_folder = Path(directory) if directory else None


def disk_folder() -> Path | None:
    return _process_folder


class FormCache:
    """Forms by content hash, on disk (see the module's note) or, without a folder, in
    memory (the last `entries`)."""

    def __init__(self, directory: str | Path | None = None, entries: int = 64) -> None:
        self._own_directory = Path(directory) if directory else None
        self.entries = entries
        self._memory: OrderedDict[str, Form] = OrderedDict()
        self._lock = threading.Lock()
        self.drawn = 0  # how many forms this cache had to draw (the rest it remembered)

    @property
    def directory(self) -> Path | None:
        return self._own_directory or _process_folder

    def get(self, design: Design, outlet: str, width: int, height: int) -> Form:
        key = form_key(design, outlet, width, height)
        folder = self.directory
        if folder is not None:
            return self._from_disk(folder, key, design, outlet, width, height)
        with self._lock:
            if key in self._memory:
                self._memory.move_to_end(key)
                return self._memory[key]
        form = self._draw(design, outlet, width, height)
        with self._lock:
            self._memory[key] = form
            while len(self._memory) > self.entries:
                self._memory.popitem(last=False)
        return form

    def name(self, design: Design, outlet: str, width: int, height: int) -> str:
        """The file name the form is kept under (drawing it if it is not yet there)."""
        form = self.get(design, outlet, width, height)
        return f"{form_key(design, outlet, width, height)}.{EXTENSIONS[form.mime_type]}"

    def clear(self) -> None:
        """Forget what is in memory (files on disk stay: they are named by their content)."""
        with self._lock:
            self._memory.clear()

    def _draw(self, design: Design, outlet: str, width: int, height: int) -> Form:
        form = draw(plan(design, outlet, width, height))
        self.drawn += 1
        return form

    def _from_disk(self, folder: Path, key: str, design: Design, outlet: str, width: int,
                   height: int) -> Form:
        for mime in ("image/jpeg", "image/png"):
            data = _read_if_present(file_path(folder, key, mime))
            if data:
                return Form(width, height, data, mime, design=design, outlet=outlet)
        form = self._draw(design, outlet, width, height)
        _write_atomically(file_path(folder, key, form.mime_type), form.data)
        return form


def form_key(design: Design, outlet: str, width: int, height: int) -> str:
    return hashlib.sha256(f"{design.digest()}|{outlet}|{width}x{height}".encode()).hexdigest()


def file_path(folder: Path, key: str, mime: str) -> Path:
    return folder / key[:2] / f"{key}.{EXTENSIONS[mime]}"


def keep(folder: Path, data: bytes, mime: str) -> str:
    """Keep finished bytes (a form as an outlet sends it) by their own hash; their file
    name, an address whose bytes never change."""
    key = hashlib.sha256(data).hexdigest()
    path = file_path(folder, key, mime)
    if not path.exists():
        _write_atomically(path, data)
    return f"{key}.{EXTENSIONS[mime]}"


def stored(folder: Path, name: str) -> tuple[bytes, str] | None:
    """The bytes and type of a kept file by its name; None for a name that is not one."""
    found = FILE_NAME.fullmatch(name)
    if found is None:
        return None
    mime = MIME_TYPES[found.group(2)]
    data = _read_if_present(file_path(folder, found.group(1), mime))
    return (data, mime) if data else None
