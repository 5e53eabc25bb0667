"""The sizes at which the hub serves renditions of an uploaded image, kept in one place.

`/media/<id>/<hash>/<crop tag>/<w>x<h>.<ext>` (the media API's `renditions_url` and a size)
makes (and keeps on disk) a new file for each size it is asked for, at a fraction of a second
of CPU each; so only the sizes the hub's own pages and outlets show are served, and any other
size is a 404. Add a size here when a page needs one.
"""

from __future__ import annotations

RENDITION_SIZES: dict[tuple[int, int], str] = {
    (224, 168): "网站稿件列表的缩略图（显示 112×84，二倍图）",
    (88, 88): "网站页头的账号标志（显示 44×44，二倍图）",
    (750, 422): "小程序内容卡片封面（750 宽，16:9）",
    (900, 383): "微信图文封面（2.35:1）",
    (1080, 1920): "开屏页竖版图",
}


def is_served(width: int, height: int) -> bool:
    return (width, height) in RENDITION_SIZES
