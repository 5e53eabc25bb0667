"""Forms benchmark: every designed form of one post, as its outlets would get them, timed.

    .venv/bin/python bench/forms.py              # the demo campaign (900×383 cover, QR code)
    .venv/bin/python bench/forms.py --rounds 5   # the median of more rounds

One round draws all forms of content.layout.samples' "campaign" post (LED 1920×1080, 1280×512,
768×384, 580×256, 128×64 and 1080×1920; splash 1080×1920, 1242×2688, 750×1334 and 1125×2436;
the WeChat 900×383 card), each checked (contrast, safe area, its QR code decoded by zxing-cpp),
plus the 2.35:1 and 1:1 WeChat crops of the cover: 13 images, with no cache; then the MP4s
of the three LED walls (1920×1080, 1280×512, 768×384; 8 s each, H.264). Beside it, in the
same run, the baseline: plain renditions of the cover at the same sizes (content.images.render,
crop, no design), so the ratio says what the design costs. Aim: all forms in under 10 s.

Each figure is wall time and, beside it, the CPU time spent (this process and the ffmpeg
processes it ran): on a shared machine the wall time rises with the others' load, the CPU
time hardly does.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from content import images  # noqa: E402
from content.layout import compose, samples  # noqa: E402
from content.layout.gallery import for_outlet  # noqa: E402
from content.layout.video import video  # noqa: E402

CROPS = ((900, 383), (383, 383))  # WeChat's 2.35:1 thumb and its 1:1 share crop
VIDEOS = ((1920, 1080), (1280, 512), (768, 384))


def all_forms(design) -> int:
    count = 0
    for outlet, width, height in samples.CANVASES:
        compose(for_outlet(design, outlet), outlet, width, height)
        count += 1
    for width, height in CROPS:
        images.render(design.cover, width, height, focal=design.focal)
        count += 1
    return count


def all_videos(design) -> None:
    slide = for_outlet(design, "led")
    for width, height in VIDEOS:
        video(slide, width, height, seconds=8)


def baseline(design) -> None:
    for _, width, height in samples.CANVASES:
        images.render(design.cover, width, height)
    for width, height in CROPS:
        images.render(design.cover, width, height)


def cpu_seconds() -> float:
    """CPU time of this process and of the children it has waited for (ffmpeg)."""
    own, children = (resource.getrusage(who) for who in (resource.RUSAGE_SELF,
                                                          resource.RUSAGE_CHILDREN))
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def timed(work, rounds: int) -> tuple[float, float]:
    """(median wall seconds, median CPU seconds) of `rounds` runs of `work`."""
    walls, cpus = [], []
    for _ in range(rounds):
        started, spent = time.perf_counter(), cpu_seconds()
        work()
        walls.append(time.perf_counter() - started)
        cpus.append(cpu_seconds() - spent)
    return statistics.median(walls), statistics.median(cpus)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    design = samples.posts()["campaign"]
    count = all_forms(design)  # warm: fonts loaded, imports done
    forms, forms_cpu = timed(lambda: all_forms(design), args.rounds)
    bare, _ = timed(lambda: baseline(design), args.rounds)
    videos, videos_cpu = timed(lambda: all_videos(design), args.rounds)
    print(f"{count} forms of one post: {forms:.2f} s (CPU {forms_cpu:.2f} s; median of "
          f"{args.rounds}); plain renditions at the same sizes: {bare:.2f} s; "
          f"ratio {forms / bare:.1f}×")
    print(f"{len(VIDEOS)} slide videos: {videos:.2f} s (CPU {videos_cpu:.2f} s); "
          f"all forms and videos: {forms + videos:.2f} s (CPU {forms_cpu + videos_cpu:.2f} s)")


if __name__ == "__main__":
    main()
