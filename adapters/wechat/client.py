"""wechatpy's WeChatClient, pointed at HUB_WECHAT_API_BASE, sharing its token, retrying once.

- Every base follows the configured API: cgi-bin calls, `stable_token` (the only way this
  client gets a token), and the `wxa` and `datacube` APIs, which wechatpy keeps separately.
- wechatpy's own retry on a refused token recurses without a cap; it is off
  (`auto_retry=False`). A call refused with 40001/40014/42001 asks the shared store for
  another token (one refresh, by one holder) and is sent once more, never again.
- Uploads are bytes, not file objects, so the retried request carries the file again.
"""

from __future__ import annotations

from wechatpy import WeChatClient
from wechatpy.exceptions import WeChatClientException

from adapters.wechat.api import (
    WeChatDraft,
    WeChatFreePublish,
    WeChatMassTag,
    WeChatMiniProgram,
    WeChatStableToken,
)
from adapters.wechat.credentials import Credentials
from adapters.wechat.errors import TOKEN_ERRORS

MIME = {"jpg": "image/jpeg", "png": "image/png"}


class HubWeChatClient(WeChatClient):
    draft = WeChatDraft()
    freepublish = WeChatFreePublish()
    stable_token = WeChatStableToken()
    mass_tag = WeChatMassTag()
    mini = WeChatMiniProgram()

    def __init__(self, api_base: str, credentials: Credentials, tokens, *,
                 timeout: float = 15.0):
        api_base = api_base.rstrip("/")
        self.API_BASE_URL = f"{api_base}/cgi-bin/"
        super().__init__(credentials.appid, credentials.secret, timeout=timeout,
                         auto_retry=False)
        self.wxa.API_BASE_URL = f"{api_base}/"
        self.mini.API_BASE_URL = f"{api_base}/"
        self.datacube.API_BASE_URL = f"{api_base}/datacube/"
        self.tokens = tokens

    def __repr__(self) -> str:
        return f"HubWeChatClient({self.appid})"

    # -- tokens ----------------------------------------------------------------------------
    def _fetch_stable(self, force_refresh: bool) -> tuple[str, int]:
        answer = self.stable_token.get(force_refresh=force_refresh)
        return answer["access_token"], int(answer.get("expires_in", 7200))

    @property
    def access_token(self) -> str:
        return self.tokens.token(self.appid, self._fetch_stable)

    def fetch_access_token(self) -> dict:
        """wechatpy's hook for a new token: here, the shared store's (via stable_token)."""
        return {"access_token": self.access_token}

    def _request(self, method, url_or_endpoint, **kwargs):
        params = kwargs.get("params", {})
        if not isinstance(params, dict):  # a call made without a token (stable_token)
            return super()._request(method, url_or_endpoint, **kwargs)
        params = dict(params)
        used = params.get("access_token") or self.access_token
        params["access_token"] = used
        try:
            return super()._request(method, url_or_endpoint, **{**kwargs, "params": params})
        except WeChatClientException as exc:
            if exc.errcode not in TOKEN_ERRORS:
                raise
        params["access_token"] = self.tokens.replace(self.appid, used, self._fetch_stable)
        return super()._request(method, url_or_endpoint, **{**kwargs, "params": params})

    # -- uploads from bytes --------------------------------------------------------------
    def upload_article_image(self, data: bytes, extension: str = "jpg") -> str:
        """media/uploadimg: the URL an article body may show the image at."""
        return self.media.upload_image((f"image.{extension}", data, MIME[extension]))

    def add_thumb(self, data: bytes) -> dict:
        """A permanent thumb (JPG ≤ 64 KB) for an article's cover: {media_id, url}."""
        return self.material.add("thumb", ("cover.jpg", data, "image/jpeg"))
