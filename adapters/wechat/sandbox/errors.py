"""WeChat error codes and the exception the sandbox's routes raise to answer with one."""

from __future__ import annotations

import secrets

# errmsg texts as WeChat writes them (it appends " rid: ..." to each).
ERRMSG: dict[int, str] = {
    -1: "system error",
    40001: "invalid credential, access_token is invalid or not latest",
    40002: "invalid grant_type",
    40003: "invalid openid",
    40004: "invalid media type",
    40005: "invalid file type",
    40007: "invalid media_id",
    40008: "invalid message type",
    40009: "invalid image size",
    40012: "invalid thumb size",
    40013: "invalid appid",
    40016: "invalid button size",
    40017: "invalid button type",
    40018: "invalid button name size",
    40019: "invalid button key size",
    40020: "invalid button url size",
    40023: "invalid sub button size",
    40024: "invalid sub button type",
    40025: "invalid sub button name size",
    40026: "invalid sub button key size",
    40027: "invalid sub button url size",
    40029: "invalid code",
    40097: "invalid args",
    40032: "invalid openid list size",
    40037: "invalid template_id",
    40050: "invalid group id",
    40060: "invalid article idx",
    40125: "invalid appsecret",
    40129: "invalid scene",
    40169: "invalid length for scene, or the data is not json string",
    40227: "empty title",
    41001: "access_token missing",
    41002: "appid missing",
    41004: "appsecret missing",
    41005: "media data missing",
    41006: "media_id missing",
    41030: "invalid page",
    42001: "access_token expired",
    43001: "require GET method",
    43002: "require POST method",
    43101: "user refuse to accept the msg",
    44001: "empty media data",
    44002: "empty post data",
    44003: "empty news data",
    45002: "content size out of limit",
    45003: "title size out of limit",
    45004: "description size out of limit",
    45005: "url size out of limit",
    45008: "article size out of limit",
    45009: "reach max api daily quota limit",
    45028: "has no masssend quota",
    45056: "too many tags",
    45059: "fans have too many tags",
    45065: "clientmsgid exist",
    45067: "clientmsgid size out of limit",
    45110: "author size out of limit",
    45157: "invalid tag name",
    45158: "tag name too long",
    45159: "invalid tag id",
    47001: "data format error",
    47003: "argument invalid!",
    48001: "api unauthorized",
    53503: "该草稿未通过发布检查",
    53504: "需前往公众平台官网使用草稿",
    53505: "请手动保存成功后再发表",
    53600: "Article ID 无效",
    61500: "date format error",
    61501: "date range error",
}


class WeChatError(Exception):
    """An error answered as WeChat does: HTTP 200 with errcode and errmsg."""

    def __init__(self, errcode: int, detail: str | None = None, **extra: object) -> None:
        self.errcode = errcode
        self.detail = detail
        self.extra = extra
        super().__init__(f"{errcode} {self.errmsg}")

    @property
    def errmsg(self) -> str:
        base = ERRMSG.get(self.errcode, "error")
        hint = f" hint: [{self.detail}]" if self.detail else ""
        return f"{base}{hint} rid: {secrets.token_hex(4)}-{secrets.token_hex(4)}"

    def body(self) -> dict[str, object]:
        return {"errcode": self.errcode, "errmsg": self.errmsg, **self.extra}
