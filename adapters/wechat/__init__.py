"""WeChat: the official-account matrix (publishing through WeChat's API with wechatpy,
callbacks, menus), the union mini-program's sign-in and subscribe messages, and the WeChat
API sandbox (sandbox/) the demo and the tests run against. The mini-program's front end is in
miniprogram/.
"""

from adapters.wechat.channel import WeChatChannel
from adapters.wechat.subscribe import SubscribeChannel

__all__ = ["SubscribeChannel", "WeChatChannel"]
