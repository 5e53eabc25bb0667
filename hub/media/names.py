"""Uploaded file names kept only as names to show: no path, no control characters, bounded.

A browser or a client library may send `../../etc/passwd`, `C:\\Users\\x\\photo.png`, a name
with newlines (which would forge lines in a log or a CSV export) or with a right-to-left
override that makes `gpj.exe` read as `exe.jpg`. None of that is useful to show.
"""

from __future__ import annotations

import unicodedata

MAX_NAME_CHARS = 100
MAX_EXTENSION_CHARS = 10
# Control, format (bidi overrides, zero-width), surrogate and line/paragraph separators.
_DROPPED = frozenset({"Cc", "Cf", "Cs", "Co", "Zl", "Zp"})


def display_name(filename: str | None, default: str = "upload") -> str:
    """The last part of `filename` with unsafe characters removed, at most MAX_NAME_CHARS
    (the extension kept when cut); `default` when nothing is left."""
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(char for char in name if unicodedata.category(char) not in _DROPPED)
    name = " ".join(name.split()).strip(" .")
    if not name:
        return default
    if len(name) <= MAX_NAME_CHARS:
        return name
    stem, dot, extension = name.rpartition(".")
    if dot and stem and len(extension) <= MAX_EXTENSION_CHARS:
        return stem[:MAX_NAME_CHARS - len(extension) - 1].rstrip() + "." + extension
    return name[:MAX_NAME_CHARS]
