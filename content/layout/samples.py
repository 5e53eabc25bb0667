"""Demo posts for designed forms: long and short titles, with and without a cover, light and
dark covers, a campaign with its QR code. The golden-image tests, the gallery in the README
and bench/forms.py all draw these; covers are painted here, so nothing is downloaded."""

from __future__ import annotations

import io
import math

from PIL import Image, ImageDraw, ImageFilter

from content.layout.design import Design

COVER_SIZE = (900, 383)  # an ordinary WeChat-style cover, 2.35:1
CANVASES = (  # (outlet, width, height): every size the outlets of 东莞 ask for, and more
    ("led", 1920, 1080), ("led", 1280, 512), ("led", 768, 384), ("led", 580, 256),
    ("led", 128, 64), ("led", 1080, 1920),
    ("splash", 1080, 1920), ("splash", 1242, 2688), ("splash", 750, 1334),
    ("splash", 1125, 2436),
    ("wechat", 900, 383),
)
LANDING = "https://ygh.example.cn/c/7"


def cover(light: bool, subject_at: float = 0.75) -> bytes:
    """A landscape cover with one clear subject (a lantern-red disc and its glow) at
    `subject_at` of the width, on a light (paper) or dark (night) ground with some texture."""
    width, height = COVER_SIZE
    ground = (236, 228, 210) if light else (18, 32, 58)
    image = Image.new("RGB", COVER_SIZE, ground)
    pen = ImageDraw.Draw(image)
    for row in range(0, height, 6):  # gentle stripes: a ground with texture, as photos have
        shade = round(10 * math.sin(row / 23))
        pen.line([(0, row), (width, row)], fill=tuple(max(0, min(255, c + shade))
                                                       for c in ground), width=3)
    x = round(width * subject_at)
    pen.ellipse((x - 110, 70, x + 110, 310), fill=(214, 48, 36))
    pen.rectangle((x - 14, 40, x + 14, 74), fill=(235, 180, 40))
    pen.rectangle((60, 250, 340, 330), fill=(44, 120, 72) if light else (60, 150, 200))
    image = image.filter(ImageFilter.SMOOTH)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def posts() -> dict[str, Design]:
    light, dark = cover(True), cover(False, subject_at=0.3)
    return {
        "campaign": Design(
            title="百万红包雨：今晚八点准时开抢",
            summary="实名认证会员每天可抢三次，红包直接存入工会卡。",
            cover=light, cover_size=COVER_SIZE, focal=(0.75, 0.5), account_name="东莞市总工会",
            theme="#C8102E", qr_url=LANDING, call_to_action="立即参与"),
        "long-title-dark": Design(
            title="东莞市总工会关于开展二〇二六年全市职工职业技能大赛暨“当好主人翁、建功新时代”"
                  "劳动竞赛活动的通知",
            summary="比赛设数控车工、电工、焊工等十二个工种，获奖职工可晋升技能等级。",
            cover=dark, cover_size=COVER_SIZE, focal=(0.3, 0.5), account_name="东莞市总工会",
            theme="#1F4E9C"),
        "short-no-cover": Design(title="职工书屋周六开放", summary="欢迎职工家属前来阅读",
                                 account_name="虎门镇总工会", theme="#C8102E"),
        "english-and-numbers": Design(
            title="2026 粤工惠 App 新版上线（v3.2）", summary="支持 NFC 工会卡、电子会员证。",
            account_name="广东省总工会", theme="#0B6E4F"),
    }
