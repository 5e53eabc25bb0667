"""Imports every adapter's models, so Alembic sees the whole schema (hub/migrations/env.py).

Only the migration environment imports this; at run time an adapter's models load with the
adapter itself, and the hub never names one.
"""

from adapters.app_splash import models as _splash_models  # noqa: F401
from adapters.led_screen import models as _led_models  # noqa: F401
from adapters.web.models import PartnerKey, WebEntry  # noqa: F401
from adapters.wechat import models as _wechat_models  # noqa: F401
