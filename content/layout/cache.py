"""Drawn forms kept by the hash of what they are made from: a post published to forty screens
of one size is drawn once, and a repeated delivery draws nothing."""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from pathlib import Path

from content.images import _read_if_present, _write_atomically
from content.layout.design import Design, Form, draw, plan


class FormCache:
    """In memory (the last `entries` forms) and, with a directory, on disk too, so worker
    processes on one machine share what they drew."""

    def __init__(self, directory: str | Path | None = None, entries: int = 64) -> None:
        self.directory = Path(directory) if directory else None
        self.entries = entries
        self._memory: OrderedDict[str, Form] = OrderedDict()
        self._lock = threading.Lock()
        self.drawn = 0  # how many forms this cache had to draw (the rest it remembered)

    def get(self, design: Design, outlet: str, width: int, height: int) -> Form:
        key = form_key(design, outlet, width, height)
        with self._lock:
            if key in self._memory:
                self._memory.move_to_end(key)
                return self._memory[key]
        laid_out = plan(design, outlet, width, height)
        stored = self._from_disk(key, laid_out)
        form = stored or draw(laid_out)
        if stored is None:
            self.drawn += 1
            if self.directory is not None:
                _write_atomically(self._path(key, form.mime_type), form.data)
        with self._lock:
            self._memory[key] = form
            while len(self._memory) > self.entries:
                self._memory.popitem(last=False)
        return form

    def _from_disk(self, key: str, laid_out) -> Form | None:
        if self.directory is None:
            return None
        for mime in ("image/jpeg", "image/png"):
            data = _read_if_present(self._path(key, mime))
            if data:
                return Form(laid_out.width, laid_out.height, data, mime, laid_out)
        return None

    def _path(self, key: str, mime: str) -> Path:
        return self.directory / key[:2] / f"{key}.{mime.split('/')[1]}"


def form_key(design: Design, outlet: str, width: int, height: int) -> str:
    return hashlib.sha256(f"{design.digest()}|{outlet}|{width}x{height}".encode()).hexdigest()
