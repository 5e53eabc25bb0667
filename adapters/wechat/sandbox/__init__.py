"""WeChat API sandbox: a WeChat-compatible server the demo and the tests use instead of WeChat.

Paths, parameters, answers and error codes follow api.weixin.qq.com; admin routes under
/sandbox/ register apps, switch faults on and show what each app received.
"""

from .app import create_sandbox_app
from .server import SandboxServer, serve
from .settings import SandboxSettings

__all__ = ["SandboxServer", "SandboxSettings", "create_sandbox_app", "serve"]
