"""LED editors' API, posts: a post's LED options, and its preview on every screen it would
reach (the pictures the screens would get)."""

from __future__ import annotations

from flask import Response, g, request
from pydantic import BaseModel, Field

from adapters.led_screen import options, publishing, services
from adapters.led_screen.api.common import TAG, bp, post_for
from hub import api, ports
from hub.api import route
from hub.channels import OutletInfo
from hub.errors import BadRequest, NotFound


class ScreenPreview(BaseModel):
    screen: str
    width: int
    height: int
    kind: str
    problems: list[str]
    preview_url: str | None


class OutletPreview(BaseModel):
    outlet: str
    name: str
    screens: list[ScreenPreview]
    problems: list[str]


class PostPreview(BaseModel):
    post_id: int
    options: dict
    outlets: list[OutletPreview]


@route(bp, "/posts/<int:post_id>/options", "GET", summary="A post's LED options (a pending "
       "change's, if one waits)", tag=TAG, response=options.LedOptions)
def get_options(post_id: int):
    return options.STORE.editing(g.db, g.user, post_id)


@route(bp, "/posts/<int:post_id>/options", "PUT", summary="Set a post's LED options: form, "
       "duration, schedule windows, priority, interrupt, share of voice. Part of the post's "
       "words: a new revision; on a live post of an account that requires review, a pending "
       "change the screens get only once a second person approves it", tag=TAG,
       body=options.LedOptions, response=options.LedOptions)
def put_options(post_id: int, body: options.LedOptions):
    options.STORE.save(g.db, g.user, post_id, body)
    return body


def _led_outlets(post) -> list[OutletInfo]:
    accounts = [account.id for account in ports.reached_accounts(g.db, post.id)]
    return ports.outlets(g.db, services.CHANNEL, account_ids=accounts)


@route(bp, "/posts/<int:post_id>/preview", "GET", summary="The post on every LED screen it "
       "would reach: what each gets and why it could not be shown", tag=TAG,
       response=PostPreview)
def preview(post_id: int):
    post = post_for(post_id)
    outlets = []
    for outlet in _led_outlets(post):
        snapshot = publishing.post_snapshot(g.db, post.id, outlet.id)
        source = publishing.load_source(g.db, snapshot)
        screens = [publishing.screen_info(s) for s in services.screens_for_key(g.db, outlet.key)]
        found = publishing.problems_by_screen(source, screens)
        listed = [ScreenPreview(
            screen=s.code, width=s.width, height=s.height,
            kind=publishing.kind_for(source, s), problems=found.get(s.code, []),
            preview_url=f"/api/v1/led/posts/{post.id}/preview.img?screen={s.code}"
            if publishing.kind_for(source, s) == "image" else None) for s in screens]
        outlets.append(OutletPreview(outlet=outlet.key, name=outlet.name, screens=listed,
                                     problems=publishing.describe_problems(found, screens)))
    shown = options.STORE.parse(ports.post_snapshot(g.db, post.id, services.CHANNEL,
                                                    post.account_code, "").options)
    return PostPreview(post_id=post.id, options=shown.model_dump(mode="json"), outlets=outlets)


@bp.get("/posts/<int:post_id>/preview.img")
def preview_image(post_id: int):
    """The picture a screen would get for the post (editors' bearer token)."""
    g.user = ports.bearer_editor(g.db)
    post = post_for(post_id)
    code = request.args.get("screen", "")
    if not code:
        raise BadRequest("缺少 screen 参数", field="screen")
    screen = services.get_screen(g.db, code)
    outlets = [o for o in _led_outlets(post) if o.key in services.outlet_keys_for(g.db, screen)]
    outlet = outlets[0] if outlets else None
    if outlet is None:
        raise NotFound(f"稿件 {post.id} 不会投放到屏幕 {code}", field="screen")
    source = publishing.load_source(g.db, publishing.post_snapshot(g.db, post.id, outlet.id))
    picture = publishing.draw_sizes(source, [publishing.screen_info(screen)])
    if not picture:
        raise BadRequest("该屏幕收到的不是图片（文字或视频）", field="screen")
    return Response(picture[0].data, mimetype=picture[0].mime_type,
                    headers={"Cache-Control": "private, no-store"})


class PreviewImageQuery(BaseModel):
    screen: str = Field(description="屏幕代码")


api.OPERATIONS.append(api.Operation(
    "get", "/api/v1/led/posts/{post_id}/preview.img", "The picture one screen would get for "
    "the post (query: screen), at its exact canvas size", TAG, errors=(404,),
    query=PreviewImageQuery, media_type="image/png",
    path_types={"post_id": api.INTEGER_PARAMETER}))


