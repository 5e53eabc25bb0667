"""Helpers shared by the splash tests: portrait pictures, promotions through the editor API,
the manifest as the app asks for it."""

from __future__ import annotations

import io

from PIL import Image

CHANNELS = ["adapters.loopback:LoopbackChannel", "adapters.app_splash:AppSplashChannel"]
DONGGUAN_APP = "/splash/v1/manifest?slot=app-launch&region=441900"


def forget_process_state() -> None:
    from adapters.app_splash import manifest

    for cache in (manifest.ENTRIES, manifest.BODIES, manifest.LINEAGES, manifest.CHOICES):
        cache.clear()


def upload(client, headers, account: str, width: int, height: int) -> int:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 40)).save(buffer, "JPEG")
    response = client.post("/api/v1/media", headers=headers, data={
        "account": account, "file": (io.BytesIO(buffer.getvalue()), "splash.jpg")},
        content_type="multipart/form-data")
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def promotion(client, author, reviewer, *, account="dongguan", options=None, publish=True,
              cover=(1242, 2688), **fields) -> tuple[dict, object]:
    """A promotion with a portrait cover and splash options; returns (post, publish answer)."""
    body = {"account": account, "kind": "promotion", "title": "职工专享消费券",
            "body": "东莞职工凭粤工惠领取", "channels": ["splash"]} | fields
    if cover:
        body["cover_media_id"] = upload(client, author, account, *cover)
    post = client.post("/api/v1/posts", headers=author, json=body).get_json()
    if options is not None:
        saved = client.put(f"/api/v1/splash/posts/{post['id']}/options", headers=author,
                           json=options)
        assert saved.status_code == 200, saved.get_json()
    if not publish:
        return post, None
    if reviewer is not None:
        client.post(f"/api/v1/posts/{post['id']}/submit", headers=author)
        client.post(f"/api/v1/posts/{post['id']}/approve", headers=reviewer)
        return post, client.post(f"/api/v1/posts/{post['id']}/publish", headers=reviewer)
    return post, client.post(f"/api/v1/posts/{post['id']}/publish", headers=author)
