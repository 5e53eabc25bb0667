"""An editor's LED settings for one post: form, duration, schedule, priority, interrupt.

They are part of the post's words (the hub keeps them per revision and they pass its
review): `STORE` reads and saves them, the snapshot of a version carries them."""

from __future__ import annotations

from typing import Literal

from pydantic import AnyHttpUrl, BaseModel, ConfigDict, Field, field_validator

from adapters.led_screen import schedule
from hub import ports

COLOUR = r"^#[0-9A-Fa-f]{6}$"


class TextStyle(BaseModel):
    """For controllers that draw text themselves (scrolling subtitles)."""

    model_config = ConfigDict(extra="forbid")
    font: str = Field(default="Noto Sans CJK SC", max_length=60)
    size: int = Field(default=32, ge=8, le=512, description="字号（像素）")
    colour: str = Field(default="#FFFFFF", pattern=COLOUR)
    background: str = Field(default="#C8102E", pattern=COLOUR)
    scroll_speed: int = Field(default=60, ge=0, le=600, description="滚动速度（像素/秒），0 为静止")


class Video(BaseModel):
    """A video file passed through as it is; the controller plays it."""

    model_config = ConfigDict(extra="forbid")
    url: AnyHttpUrl
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    byte_size: int = Field(gt=0)
    width: int = Field(gt=0, le=16384)
    height: int = Field(gt=0, le=16384)
    duration_seconds: int = Field(gt=0, le=3600)
    mime_type: str = Field(default="video/mp4", max_length=40)


class Window(BaseModel):
    model_config = ConfigDict(extra="forbid")
    from_date: str | None = Field(default=None, description="YYYY-MM-DD（北京时间）")
    to_date: str | None = None
    weekdays: list[int] | None = Field(default=None, description="1=周一 … 7=周日")
    start: str = Field(default="00:00", description="HH:MM；结束早于开始即跨夜")
    end: str = Field(default="24:00")


class LedOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")
    form: Literal["auto", "image", "text", "video"] = Field(
        default="auto",
        description="auto：一律收图片；text：能画文字的控制器收文字条目；video：播放视频")
    fit: Literal["crop", "fit"] = Field(default="crop", description="封面裁切铺满或完整留边")
    duration_seconds: int = Field(default=10, ge=1, le=3600)
    priority: int = Field(default=0, ge=0, le=100, description="同时段内优先级最高者播放")
    role: Literal["normal", "interrupt", "default"] = Field(
        default="normal", description="interrupt：插播（如紧急通知）；default：无其他节目时播放")
    share_of_voice: int = Field(default=100, ge=1, le=100,
                                description="插播占每轮播放时长的百分比；100 为独占")
    schedule: list[Window] = Field(default_factory=list, max_length=20,
                                   description="播放时段；空为有效期内全天")
    qr: bool = Field(default=True, description="活动推广带链接时在大屏上画二维码")
    text_style: TextStyle = Field(default_factory=TextStyle)
    video: Video | None = None

    @field_validator("schedule")
    @classmethod
    def _windows(cls, windows: list[Window]) -> list[Window]:
        try:
            schedule.normalise([w.model_dump() for w in windows])
        except schedule.ScheduleError as exc:
            raise ValueError(f"{exc.field}: {exc.message}") from None
        return windows

    def windows(self) -> list[dict]:
        return schedule.normalise([w.model_dump() for w in self.schedule])


STORE = ports.PostOptions("led", LedOptions, "LED 大屏")
