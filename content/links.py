"""Links that say where they were shown: a campaign's landing page or mini-program path with
the outlet (or 地推 code) that showed it as its `src`, so the campaign's funnel can tell a scan
of the Guomao screen from a tap on the splash."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit


def with_source(url: str, source: str) -> str:
    """`url` with `src=source` (replacing any `src` it had)."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query) if k != "src"] + [("src", source)]
    return urlunsplit(parts._replace(query=urlencode(query)))
