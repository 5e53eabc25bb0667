"""Helpers shared by the LED tests: pictures to upload, publishing through the editor API,
polling as a controller."""

from __future__ import annotations

import io
import threading

from PIL import Image
from werkzeug.serving import make_server

CHANNELS = ["adapters.loopback:LoopbackChannel", "adapters.webhook:WebhookChannel",
            "adapters.led_screen:LedScreenChannel", "adapters.app_splash:AppSplashChannel"]


def forget_process_state() -> None:
    """Caches are per process; each test starts from a new database (poll intervals are
    counted on each app's own rate limits)."""
    from adapters.app_splash import manifest
    from adapters.led_screen import playlist, protocol

    playlist.CACHE.clear()
    protocol.LIVENESS.forget()
    for cache in (manifest.ENTRIES, manifest.BODIES, manifest.LINEAGES, manifest.CHOICES):
        cache.clear()


def picture(width: int, height: int, colour=(30, 90, 160)) -> bytes:
    buffer = io.BytesIO()
    image = Image.new("RGB", (width, height), colour)
    for x in range(0, width, max(1, width // 8)):  # some detail, so JPEG sizes are real
        image.paste((240, 200, 40), (x, 0, x + max(1, width // 32), height))
    image.save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def upload(client, headers, account: str, width: int, height: int, name="cover.jpg") -> int:
    response = client.post("/api/v1/media", headers=headers, data={
        "account": account, "file": (io.BytesIO(picture(width, height)), name)},
        content_type="multipart/form-data")
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def create_post(client, headers, **fields) -> dict:
    body = {"account": "dongguan", "title": "职工运动会报名", "body": "报名截至月底"} | fields
    response = client.post("/api/v1/posts", headers=headers, json=body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def publish(client, author, reviewer, post_id: int):
    """Through review (东莞 requires it) to published; returns the publish response."""
    client.post(f"/api/v1/posts/{post_id}/submit", headers=author)
    client.post(f"/api/v1/posts/{post_id}/approve", headers=reviewer)
    return client.post(f"/api/v1/posts/{post_id}/publish", headers=reviewer)


def poll(client, token: str, etag: str | None = None):
    headers = {"Authorization": f"Bearer {token}"}
    if etag:
        headers["If-None-Match"] = etag
    return client.get("/led/v1/playlist", headers=headers)


def png_size(data: bytes) -> tuple[int, int]:
    with Image.open(io.BytesIO(data)) as image:
        return image.size


class LiveHub:
    """The test's app served over real HTTP on 127.0.0.1 in a thread."""

    def __init__(self, app, port: int = 0):
        self.server = make_server("127.0.0.1", port, app, threaded=True)
        self.port = self.server.server_port
        self.url = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)
