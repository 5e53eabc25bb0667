"""Imports every domain's models so SQLAlchemy and Alembic see the whole schema."""

from hub.accounts.models import (  # noqa: F401
    Account,
    Column,
    HiddenServiceLink,
    ServiceLink,
    Topic,
    TopicPost,
)
from hub.attribution import models as _attribution_models  # noqa: F401
from hub.audit.models import AuditEvent  # noqa: F401
from hub.campaigns import models as _campaigns_models  # noqa: F401
from hub.deliveries.models import Delivery, DeliveryAttempt, PostReach  # noqa: F401
from hub.kpis import models as _kpis_models  # noqa: F401
from hub.media.models import Media  # noqa: F401
from hub.members import models as _members_models  # noqa: F401
from hub.outlets.models import Outlet  # noqa: F401
from hub.posts.models import Post, PostRevision  # noqa: F401
from hub.users.models import ApiToken, Grant, User  # noqa: F401
