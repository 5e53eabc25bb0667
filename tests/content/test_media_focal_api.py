"""The focal point through the editor API: found when a picture is uploaded, moved by an
editor of the account (audited), refused in plain Chinese outside 0..1 or to other accounts'
editors, and honoured by the hub's own renditions, whose address changes when it moves."""

from __future__ import annotations

import io

from PIL import Image

from content.layout import samples


def _upload(client, headers, data: bytes) -> dict:
    answer = client.post("/api/v1/media", headers=headers, data={
        "account": "dongguan", "file": (io.BytesIO(data), "cover.jpg")},
        content_type="multipart/form-data")
    assert answer.status_code == 201, answer.get_json()
    return answer.get_json()


def _red_share(data: bytes) -> float:
    pixels = list(Image.open(io.BytesIO(data)).convert("RGB").resize((30, 30)).get_flattened_data())
    return sum(1 for r, g, b in pixels if r > 150 and g < 90 and b < 90) / len(pixels)


def test_the_focal_point_is_found_on_upload_and_an_editor_can_move_it(client, token_for):
    author = token_for("dg-editor")
    media = _upload(client, author, samples.cover(True, subject_at=0.8))
    assert media["focal"]["x"] > 0.6 and 0 <= media["focal"]["y"] <= 1
    square = f"{media['renditions_url']}/88x88.png"  # the sites' square account badge size
    first = client.get(square)
    assert _red_share(first.data) > 0.2  # the crop follows the found point
    assert "immutable" in first.headers["Cache-Control"]
    moved = client.put(f"/api/v1/media/{media['id']}/focal", headers=author,
                       json={"x": 0.1, "y": 0.5})
    assert moved.status_code == 200, moved.get_json()
    assert moved.get_json()["focal"] == {"x": 0.1, "y": 0.5}
    # The new crop has a new address (a browser or player keeps the old one's bytes for
    # good); the old address no longer answers with pixels, and the original's is the same.
    assert moved.get_json()["url"] == media["url"]
    new_square = f"{moved.get_json()['renditions_url']}/88x88.png"
    assert new_square != square
    assert _red_share(client.get(new_square).data) < 0.05  # now the left of the picture
    assert client.get(square).status_code == 404
    assert client.get(f"{media['url']}/88x88.png").headers["Location"].endswith(new_square)


def test_a_focal_point_outside_the_picture_or_from_another_account_is_refused(client,
                                                                             token_for):
    author = token_for("dg-editor")
    media = _upload(client, author, samples.cover(False))
    url = f"/api/v1/media/{media['id']}/focal"
    outside = client.put(url, headers=author, json={"x": 1.5, "y": 0.5})
    assert outside.status_code == 400 and "x" in outside.get_json()["fields"]
    assert client.put(url, headers=author, json={"x": 0.5}).status_code == 400
    assert client.put(url, headers=token_for("mz-editor"),
                      json={"x": 0.5, "y": 0.5}).status_code == 403
    assert client.put("/api/v1/media/999999/focal", headers=author,
                      json={"x": 0.5, "y": 0.5}).status_code == 404
    unchanged = client.put(url, headers=author, json={"x": 0.5, "y": 0.5}).get_json()
    assert unchanged["focal"] == {"x": 0.5, "y": 0.5}
