"""A promotion's splash settings and the rules a splash must follow to be published.

The rules are those of the MIIT 2021 campaign and the 2023 Internet Advertising Measures
(art. 10): a skip that is visible from the first frame and closes with one tap, at most
5 seconds on screen, no full-screen area that jumps on tap, no shake or twist trigger. The
settings accept any value of the right type, so an editor can save a draft; publishing
refuses a splash while `problems()` names anything.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import AnyHttpUrl, BaseModel, ConfigDict, Field, field_validator, model_validator

from hub import ports
from hub.clock import as_utc

MAX_SKIP_AFTER_SECONDS = 5
APPID = r"^wx[0-9a-f]{16}$"


class Link(BaseModel):
    """Where "查看详情" leads: an in-app page, a mini-program path, or an H5 page."""

    model_config = ConfigDict(extra="forbid")
    type: Literal["none", "page", "miniprogram", "h5"] = "none"
    path: str | None = Field(default=None, max_length=500,
                             description="page：App 内页面路由；miniprogram：小程序页面路径")
    appid: str | None = Field(default=None, pattern=APPID, description="小程序 appid")
    url: AnyHttpUrl | None = Field(default=None, description="h5：https 地址")

    @model_validator(mode="after")
    def _complete(self) -> Link:
        if self.type == "page" and not (self.path or "").startswith("/"):
            raise ValueError("App 内页面需要以 / 开头的 path")
        if self.type == "miniprogram" and not (self.appid and self.path):
            raise ValueError("小程序跳转需要 appid 和 path")
        if self.type == "h5" and (self.url is None or self.url.scheme != "https"):
            raise ValueError("H5 跳转需要 https 地址")
        return self


class SplashOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")
    starts_at: dt.datetime | None = Field(default=None,
                                          description="开始展示；默认为稿件有效期开始")
    ends_at: dt.datetime | None = Field(default=None, description="结束展示；默认为稿件有效期结束")
    priority: int = Field(default=0, ge=0, le=100, description="同时有效时优先级高者展示")
    daily_cap: int | None = Field(default=None, ge=1, le=50, description="每位会员每天最多展示次数")
    regions: list[str] | None = Field(default=None, description="行政区划代码前缀，如 4419；默认为"
                                      "发布账号所在地区")
    accounts: list[str] | None = Field(default=None,
                                       description="账号代码（含下级）；默认不限，按地区投放")
    link: Link = Field(default_factory=Link)
    is_default: bool = Field(default=False, description="设为此开屏位的默认开屏")
    fit: Literal["crop", "fit"] = "crop"
    # The rules, as fields the app reads; publishing refuses values that break them.
    skip_button: Literal["always", "after_countdown"] = Field(
        default="always", description="跳过按钮：always 从第一帧起可见")
    skip_taps: int = Field(default=1, ge=1, le=5, description="关闭需要的点击次数")
    skip_after_seconds: int = Field(default=5, ge=1, le=60,
                                    description="最长展示秒数，到时自动关闭（不超过 5）")
    tap_area: Literal["button", "fullscreen"] = Field(
        default="button", description="可点击跳转的区域：只允许「查看详情」按钮")
    shake_trigger: bool = Field(default=False, description="摇一摇/扭动触发跳转（不允许）")

    @field_validator("starts_at", "ends_at")
    @classmethod
    def _utc(cls, value):
        return as_utc(value) if value is not None else None

    @model_validator(mode="after")
    def _order(self) -> SplashOptions:
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValueError("ends_at 必须晚于 starts_at")
        return self

    def app_rules(self) -> dict:
        return {"skip_button": self.skip_button, "skip_taps": self.skip_taps,
                "skip_after_seconds": self.skip_after_seconds, "tap_area": self.tap_area,
                "shake_trigger": self.shake_trigger}


# A promotion's splash settings are part of its words: kept per revision, reviewed with them.
STORE = ports.PostOptions("splash", SplashOptions, "开屏")


def problems(settings: SplashOptions) -> list[str]:
    """Where the splash breaks the rules (Chinese; empty when it follows them)."""
    found = []
    if settings.skip_button != "always":
        found.append("跳过按钮必须从第一帧起一直可见，不能倒计时结束后才出现")
    if settings.skip_taps != 1:
        found.append("跳过必须一次点击即可关闭")
    if settings.skip_after_seconds > MAX_SKIP_AFTER_SECONDS:
        found.append(f"开屏最长展示 {MAX_SKIP_AFTER_SECONDS} 秒（skip_after_seconds 为 "
                     f"{settings.skip_after_seconds}）")
    if settings.tap_area != "button":
        found.append("不得设置全屏点击跳转区域，只能点击「查看详情」按钮跳转")
    if settings.shake_trigger:
        found.append("不得用摇一摇、扭动等动作触发跳转")
    return found


# Every splash in every slot follows these; publishing refuses one that breaks any.
STANDARD = ("跳过按钮从第一帧起一直可见",
            "点一次「跳过」即关闭",
            f"最长展示 {MAX_SKIP_AFTER_SECONDS} 秒，到时自动关闭",
            "只有「查看详情」按钮可以跳转，画面其他地方点击无效",
            "不用摇一摇、扭动等动作触发跳转")


def describe(app_rules: dict) -> list[str]:
    """A splash's rules as the app reads them (`app_rules()`), in plain Chinese."""
    skip = {"always": "跳过按钮从第一帧起一直可见",
            "after_countdown": "倒计时结束后才出现跳过按钮"}
    taps = app_rules.get("skip_taps", 1)
    return [skip.get(app_rules.get("skip_button"), "跳过按钮从第一帧起一直可见"),
            "点一次「跳过」即关闭" if taps == 1 else f"点 {taps} 次「跳过」才关闭",
            f"最长展示 {app_rules.get('skip_after_seconds', MAX_SKIP_AFTER_SECONDS)} 秒",
            "全屏点击都会跳转" if app_rules.get("tap_area") == "fullscreen"
            else "只有「查看详情」按钮可以跳转",
            "摇一摇会触发跳转" if app_rules.get("shake_trigger") else "不用摇一摇触发跳转"]
