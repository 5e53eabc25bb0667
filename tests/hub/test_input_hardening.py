"""Inputs that used to cost a 500: JSON nested absurdly deep, NUL bytes in any string, and a
405 that forgot to say which methods are allowed."""

from __future__ import annotations

import io
import re

import pytest
from PIL import Image

from hub import api
from hub.members import sessions

DEEP_JSON = "[" * 100_000 + "]" * 100_000


def _concrete(path: str) -> str:
    return re.sub(r"{[a-z_]+}", "1", path)


def _credentials(op, token_for, config) -> dict:
    if op.auth == "bearer":
        return token_for("gd-admin")
    if op.auth == "member":
        return {"Authorization": "Member " + sessions.issue(config.secret(), 1, "o-deep")}
    return {}


def test_json_nested_100000_deep_is_a_400_on_every_json_route(app, client, token_for, config):
    served = {(rule.rule, method) for rule in app.url_map.iter_rules()
              for method in rule.methods}
    with_body = [op for op in api.OPERATIONS if op.body is not None
                 and (re.sub(r"{([a-z_]+)}", r"<\1>", op.path), op.method.upper()) in
                 {(re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"<\1>", r), m) for r, m in served}]
    assert len(with_body) > 20  # every JSON body route of the hub and its adapters
    for op in with_body:
        answer = client.open(_concrete(op.path), method=op.method.upper(), data=DEEP_JSON,
                             content_type="application/json",
                             headers=_credentials(op, token_for, config))
        assert answer.status_code == 400, (op.method, op.path, answer.get_json())
        assert "body" in answer.get_json()["fields"], (op.method, op.path)


def test_json_deeper_than_the_limit_but_parseable_is_a_400_naming_the_body(client, token_for):
    nested = {"title": "x", "account": "dongguan", "overrides": {}}
    inner = nested["overrides"]
    for _ in range(40):
        inner["led"] = {}
        inner = inner["led"]
    answer = client.post("/api/v1/posts", json=nested, headers=token_for("dg-editor"))
    assert answer.status_code == 400 and "嵌套过深" in answer.get_json()["message"]


def test_a_nul_in_a_json_string_is_a_400_naming_the_field(client, token_for):
    headers = token_for("dg-editor")
    answer = client.post("/api/v1/posts", headers=headers,
                         json={"account": "dongguan", "title": "标题\x00", "body": "正文"})
    assert answer.status_code == 400
    assert list(answer.get_json()["fields"]) == ["title"]
    answer = client.post("/api/v1/posts", headers=headers, json={
        "account": "dongguan", "title": "标题", "overrides": {"led": {"title": "a\x00"}}})
    assert answer.status_code == 400
    assert list(answer.get_json()["fields"]) == ["overrides.led.title"]
    answer = client.post("/api/v1/posts", headers=headers,
                         json={"account": "dongguan", "title": "标题", "x\x00": 1})
    assert answer.status_code == 400 and "空字符" in answer.get_json()["message"]


def test_a_nul_in_a_query_form_or_path_is_a_400_naming_it(client, token_for):
    headers = token_for("dg-editor")
    answer = client.get("/api/v1/posts?account=dong%00guan", headers=headers)
    assert answer.status_code == 400 and list(answer.get_json()["fields"]) == ["account"]
    image = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(image, "PNG")
    answer = client.post("/api/v1/media", headers=headers, content_type="multipart/form-data",
                         data={"account": "dong\x00guan", "file": (image, "a.png")})
    assert answer.status_code == 400 and list(answer.get_json()["fields"]) == ["account"]
    answer = client.get("/api/v1/accounts/dong%00guan", headers=headers)
    assert answer.status_code == 400 and list(answer.get_json()["fields"]) == ["code"]


@pytest.mark.parametrize("method, path, allowed", [
    ("DELETE", "/healthz", {"GET"}),
    ("PUT", "/api/v1/posts", {"GET", "POST"}),
    ("DELETE", "/api/openapi.json", {"GET"}),
])
def test_every_405_says_which_methods_are_allowed(client, method, path, allowed):
    answer = client.open(path, method=method)
    assert answer.status_code == 405 and answer.is_json
    assert allowed <= {m.strip() for m in answer.headers.get("Allow", "").split(",")}
