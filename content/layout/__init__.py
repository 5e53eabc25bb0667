"""Designed outlet forms: from a post's title, summary, cover, account and campaign link, a
picture laid out for one exact canvas (an LED slide, a splash poster, a WeChat cover).

Outlet-free: adapters describe their canvas by its size and say what kind of outlet it is
("led", "splash", "wechat"); `plan()` typesets and places everything (cheap, for checks),
`draw()` makes the bytes and checks them (contrast, safe area, QR decoding).
"""

from content.layout.cache import FormCache  # noqa: F401,E402
from content.layout.design import (  # noqa: F401
    Design,
    LayoutRefused,
    Plan,
    with_source,  # noqa: F401,E402
)
from content.layout.fonts import FontMissing  # noqa: F401
from content.layout.forms import Form, compose, draw, plan  # noqa: F401
