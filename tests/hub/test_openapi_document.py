"""The OpenAPI document at /api/openapi.json tells the truth: it is valid OpenAPI 3.1, every
`$ref` resolves, every API route is in it with its path and query parameters typed as the
code parses them, and every success answer says what it carries."""

from __future__ import annotations

import json
import re

import pytest
from openapi_spec_validator import validate

from hub.api import _openapi_path

# The machine-facing prefixes: everything under them is an API operation.
API_PREFIXES = ("/api/v1/", "/mp/v1/", "/led/v1/", "/splash/v1/", "/merchant/v1/",
                "/wechat/callback/")


@pytest.fixture
def document(client) -> dict:
    return client.get("/api/openapi.json").get_json()


def _operations(document: dict):
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            yield path, method, operation


def test_the_document_is_valid_openapi(document):
    validate(document)


def test_every_ref_names_a_schema_that_is_there(document):
    refs = set(re.findall(r'"\$ref": "#/components/schemas/([^"]+)"', json.dumps(document)))
    assert refs - set(document["components"]["schemas"]) == set()


def test_schema_names_are_plain_and_duplicates_qualified_by_their_package(document):
    names = set(document["components"]["schemas"])
    assert {name for name in names if not re.fullmatch(r"[A-Za-z0-9]+", name)} == set()
    assert {"LedScreenItemOut", "AppSplashItemOut", "UsersTokenOut", "LedScreenTokenOut"} <= names


def test_every_path_parameter_is_declared(document):
    for path, method, operation in _operations(document):
        declared = {p["name"] for p in operation["parameters"] if p["in"] == "path"}
        assert declared == set(re.findall(r"{([^}]+)}", path)), (method, path)


def test_parameters_are_typed_as_the_code_parses_them(document):
    paths = document["paths"]

    def param(path, method, name):
        return next(p for p in paths[path][method]["parameters"] if p["name"] == name)

    assert param("/api/v1/posts/{post_id}", "get", "post_id")["schema"]["type"] == "integer"
    assert param("/mp/v1/feed", "get", "limit")["schema"]["type"] == "integer"
    assert param("/led/v1/files/{sha256}.{extension}", "get", "sha256")["schema"] == {
        "type": "string", "pattern": "^[0-9a-f]{64}$"}
    typed = [(path, method, p["name"]) for path, method, op in _operations(document)
             for p in op["parameters"] if "type" not in p["schema"] and "anyOf" not in p["schema"]
             and "$ref" not in p["schema"] and "enum" not in p["schema"]]
    assert typed == []


def test_every_success_answer_has_a_schema(document):
    bare = []
    for path, method, operation in _operations(document):
        for status, answer in operation["responses"].items():
            if status.startswith("2") and status != "204":
                content = answer.get("content", {})
                if not content or not all("schema" in c for c in content.values()):
                    bare.append((method, path))
    assert bare == []


def test_every_api_route_is_documented(app, document):
    missing = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(API_PREFIXES) and rule.rule != "/mp/v1/codes/<code>/qr.png":
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            if method.lower() not in document["paths"].get(_openapi_path(rule.rule), {}):
                missing.append((method, rule.rule))
    assert missing == []
