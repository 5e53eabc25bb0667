"""What every request's input must pass before any view sees it: JSON that is not nested
absurdly deep, and no NUL byte in any string (JSON, form, query or path).

Checked once here rather than per route: deep JSON otherwise escapes as RecursionError (a
500), and PostgreSQL refuses a NUL in text with an error that names no field.
"""

from __future__ import annotations

from typing import Any

from flask import Request

from hub.errors import BadRequest

# No body the hub accepts nests anywhere near this; Python's parser gives up near 1,000.
MAX_JSON_DEPTH = 32
NUL = "\x00"


class HubRequest(Request):
    """Flask's request, whose JSON and form data are refused with a 400 when unsafe."""

    def get_json(self, force: bool = False, silent: bool = False,
                 cache: bool = True) -> Any | None:
        try:
            data = super().get_json(force=force, silent=silent, cache=cache)
        except RecursionError:
            raise BadRequest(f"请求体 JSON 嵌套过深（最多 {MAX_JSON_DEPTH} 层）",
                             field="body") from None
        check_json(data)
        return data

    def _load_form_data(self) -> None:
        already = "form" in self.__dict__
        super()._load_form_data()
        if not already:
            check_pairs(self.form.items(multi=True))


def check_json(data: Any) -> None:
    """Refuse JSON nested deeper than MAX_JSON_DEPTH or holding a NUL in a key or string,
    naming the place (e.g. `overrides.led.title`). Iterative: deep input cannot recurse."""
    pending: list[tuple[Any, tuple, int]] = [(data, (), 0)]
    while pending:
        value, path, depth = pending.pop()
        if depth > MAX_JSON_DEPTH:
            raise BadRequest(f"请求体 JSON 嵌套过深（最多 {MAX_JSON_DEPTH} 层）", field="body")
        if isinstance(value, str):
            _refuse_nul(value, path)
        elif isinstance(value, dict):
            for key, item in value.items():
                _refuse_nul(key, (*path, key))
                pending.append((item, (*path, key), depth + 1))
        elif isinstance(value, list):
            pending.extend((item, (*path, index), depth + 1) for index, item in enumerate(value))


def check_pairs(pairs) -> None:
    """Refuse a NUL in any (name, value) of a query string, form or path."""
    for name, value in pairs:
        _refuse_nul(str(name), (name,))
        if isinstance(value, str):
            _refuse_nul(value, (name,))


def _refuse_nul(text: str, path: tuple) -> None:
    if NUL in text:
        field = ".".join(str(part) for part in path).replace(NUL, "\\0") or "body"
        raise BadRequest(f"字段 {field} 含有空字符（\\0），请删去后重试", field=field)
