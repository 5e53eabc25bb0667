"""The WeChat official-account matrix: publishing through WeChat's API (wechatpy), callbacks,
menus, and the WeChat API sandbox (sandbox/) the demo and the tests run against.

The mini-program backend will live in miniprogram/ (not part of this channel yet).
"""

from adapters.wechat.channel import WeChatChannel

__all__ = ["WeChatChannel"]
