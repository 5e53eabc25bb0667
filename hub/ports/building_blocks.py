"""The hub's own building blocks that adapters use as they are: what their tables are declared
with, content-addressed files, calls out over HTTP, and what pull outlets share."""

from hub.db import Base, UTCDateTime, utcnow  # noqa: F401  (adapters declare tables with these)
from hub.media import blobs  # noqa: F401  (content-addressed bytes: screen and splash files)
from hub.outbound import send  # noqa: F401  (calling an outlet over HTTP, failures classified)
from hub.pull import batches, conditional, lean  # noqa: F401  (what pull outlets share)
from hub.pull.conditional import LruCache, root_of  # noqa: F401
from hub.pull.lean import Unavailable, raw_query  # noqa: F401
from hub.pull.store import Store  # noqa: F401
