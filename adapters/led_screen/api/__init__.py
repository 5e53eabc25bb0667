"""The LED editors' API, one module per resource: screens, groups, posts, plays and items.

Importing the package registers every route on `bp`.
"""

from adapters.led_screen.api import groups, operated, plays, posts, screens  # noqa: F401
from adapters.led_screen.api.common import bp

__all__ = ["bp"]
