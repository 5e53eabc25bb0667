"""What a post is, independent of any outlet: Markdown to safe HTML and text, checked images.

No Flask, no database, no imports from `hub` or `adapters`: everything here is a
pure function of its inputs (plus the rendition cache's own directory).
"""

from content.images import (
    ImageInfo,
    ImageRejected,
    RenditionCache,
    inspect_image,
    render,
)
from content.markdown import (
    MarkdownTooCostly,
    image_sources,
    link_targets,
    plain_text,
    render_bounded,
    render_markdown,
    sanitize_html,
    summarize,
    summarize_html,
)

__all__ = [
    "ImageInfo",
    "ImageRejected",
    "MarkdownTooCostly",
    "RenditionCache",
    "image_sources",
    "inspect_image",
    "link_targets",
    "plain_text",
    "render",
    "render_bounded",
    "render_markdown",
    "sanitize_html",
    "summarize",
    "summarize_html",
]
