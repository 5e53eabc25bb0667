"""What the controller makes accept: the limits a post's LED form must respect.

Only limits documented by the vendors are enforced (NovaStar refuses pictures over 2160 px
wide or 4096 px high); the others take whatever the canvas takes.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ControllerProfile:
    name: str
    label: str
    max_image_width: int | None = None
    max_image_height: int | None = None
    max_file_bytes: int | None = None


PROFILES = {
    "novastar": ControllerProfile("novastar", "NovaStar（诺瓦）", 2160, 4096),
    "colorlight": ControllerProfile("colorlight", "Colorlight（卡莱特）"),
    "huidu": ControllerProfile("huidu", "Huidu（灰度）"),
    "xixun": ControllerProfile("xixun", "Xixun（熙讯）"),
    "xibo": ControllerProfile("xibo", "Xibo 播放器（XMDS）"),
    "generic": ControllerProfile("generic", "通用控制器"),
}


def profile(name: str) -> ControllerProfile:
    return PROFILES.get(name, PROFILES["generic"])


def size_problems(controller: str, width: int, height: int, byte_size: int | None = None
                  ) -> list[str]:
    """Why a file of this size would be refused by the controller (Chinese, for editors)."""
    limits = profile(controller)
    problems = []
    if limits.max_image_width and width > limits.max_image_width:
        problems.append(f"{limits.label} 控制器不接受宽度超过 {limits.max_image_width} 像素的"
                        f"文件（需要 {width} 像素）")
    if limits.max_image_height and height > limits.max_image_height:
        problems.append(f"{limits.label} 控制器不接受高度超过 {limits.max_image_height} 像素的"
                        f"文件（需要 {height} 像素）")
    if limits.max_file_bytes and byte_size and byte_size > limits.max_file_bytes:
        problems.append(f"文件 {byte_size // 1024} KB 超过 {limits.label} 控制器的上限 "
                        f"{limits.max_file_bytes // 1024} KB")
    return problems
