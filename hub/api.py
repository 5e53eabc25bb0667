"""The JSON API's plumbing: typed routes, one unit of work per request, errors, and OpenAPI.

A view declares its body/query models and its answer model; the decorator validates input,
turns HubErrors into JSON, commits on success, and records the operation so /api/openapi.json
is generated from the code itself.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, g, jsonify, request
from pydantic import BaseModel, ValidationError
from pydantic.json_schema import GenerateJsonSchema, models_json_schema

from hub.cli_exit import fail
from hub.errors import BadRequest, HubError
from hub.ratelimits import RateLimits as RateLimits  # for adapters, which import hub.api
from hub.ratelimits import rate_limits as rate_limits

OPERATIONS: list[Operation] = []


@dataclass
class Operation:
    method: str
    path: str
    summary: str
    tag: str
    body: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    response: type[BaseModel] | None = None
    status: int = 200
    auth: str | None = "bearer"
    multipart: dict[str, str] = field(default_factory=dict)
    errors: tuple[int, ...] = ()
    # What a success is, when not JSON: "image/png", "text/plain", ... (described as such).
    media_type: str = "application/json"
    # Path parameters' schemas by name; a parameter not named here is a plain string.
    path_types: dict[str, dict] = field(default_factory=dict)


# Pydantic's error types, said in plain Chinese (its own messages are English and may quote
# a regular expression). `{…}` takes the error's context (min_length, le, expected…).
_REASONS = {
    "missing": "必须填写",
    "string_pattern_mismatch": "格式不对",
    "string_too_short": "太短，至少 {min_length} 个字符",
    "string_too_long": "太长，最多 {max_length} 个字符",
    "string_type": "应为文字",
    "int_type": "应为整数", "int_parsing": "应为整数", "int_from_float": "应为整数",
    "float_type": "应为数字", "float_parsing": "应为数字",
    "decimal_parsing": "应为数字", "decimal_type": "应为数字",
    "bool_type": "应为是或否（true 或 false）", "bool_parsing": "应为是或否（true 或 false）",
    "greater_than": "应大于 {gt}", "greater_than_equal": "不能小于 {ge}",
    "less_than": "应小于 {lt}", "less_than_equal": "不能大于 {le}",
    "too_short": "太少，至少 {min_length} 项", "too_long": "太多，最多 {max_length} 项",
    "extra_forbidden": "不认识这个字段，请删去",
    "literal_error": "只能是 {expected}", "enum": "只能是 {expected}",
    "datetime_type": "应为日期时间，如 2026-12-07T19:30",
    "datetime_parsing": "应为日期时间，如 2026-12-07T19:30",
    "datetime_from_date_parsing": "应为日期时间，如 2026-12-07T19:30",
    "timezone_aware": "应带时区，如 2026-12-07T19:30+08:00",
    "date_type": "应为日期，如 2026-12-07", "date_parsing": "应为日期，如 2026-12-07",
    "date_from_datetime_parsing": "应为日期，如 2026-12-07",
    "url_type": "应为网址（以 https:// 或 http:// 开头）",
    "url_parsing": "应为网址（以 https:// 或 http:// 开头）",
    "url_scheme": "应为网址（以 https:// 或 http:// 开头）",
    "url_too_long": "网址太长",
    "dict_type": "应为对象（{…}）", "model_type": "应为对象（{…}）",
    "model_attributes_type": "应为对象（{…}）",
    "list_type": "应为列表（[…]）", "tuple_type": "应为列表（[…]）", "set_type": "应为列表（[…]）",
    "none_required": "应为空（null）",
    "json_invalid": "不是合法的 JSON",
    "uuid_parsing": "应为 UUID", "uuid_type": "应为 UUID",
}
_OWN_MESSAGE = {"value_error": "Value error, ", "assertion_error": "Assertion failed, "}


def chinese_reason(error: dict) -> str:
    """What is wrong with one field, in plain Chinese, from a pydantic error."""
    kind = error.get("type", "")
    if kind in _OWN_MESSAGE:  # our own validators already speak Chinese
        return str(error.get("msg", "")).removeprefix(_OWN_MESSAGE[kind]) or "不合要求"
    template = _REASONS.get(kind)
    if template is None:
        return "不合要求"
    context = {key: str(value).replace("'", "").replace(" or ", "、") for key, value in
               (error.get("ctx") or {}).items()}
    try:
        return template.format(**context)
    except (KeyError, IndexError):
        return template.split("，")[0].split("{")[0] or "不合要求"


def validation_fields(exc: ValidationError) -> dict[str, str]:
    """{field: what is wrong with it}, in plain Chinese: `overrides.led.title` → `太长，…`."""
    fields: dict[str, str] = {}
    for err in exc.errors():
        name = ".".join(str(part) for part in err["loc"]) or "body"
        fields.setdefault(name, chinese_reason(err))
    return fields


def parse_model(model: type[BaseModel] | None, data: Any, where: str):
    """`data` checked by `model`; a BadRequest naming each field that is wrong, in Chinese."""
    if model is None:
        return None
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        fields = validation_fields(exc)
        said = "；".join(f"{name}：{reason}" for name, reason in fields.items())
        raise BadRequest(f"{where}有字段不合要求（{said}）", fields=fields) from None


def _json_body() -> Any:
    if not request.data:
        return {}
    data = request.get_json(silent=True)
    if data is None:
        raise BadRequest("请求体不是合法的 JSON (Content-Type: application/json)", field="body")
    return data


def route(
    bp: Blueprint,
    rule: str,
    method: str,
    *,
    summary: str,
    tag: str,
    body: type[BaseModel] | None = None,
    query: type[BaseModel] | None = None,
    response: type[BaseModel] | None = None,
    status: int = 200,
    auth: str | None = "bearer",
    multipart: dict[str, str] | None = None,
    errors: tuple[int, ...] = (),
):
    """Register a JSON endpoint on `bp` and describe it for OpenAPI."""

    def decorator(view):
        prefix = bp.url_prefix or ""
        OPERATIONS.append(
            Operation(method.lower(), _openapi_path(prefix + rule), summary, tag, body, query,
                      response, status, auth, dict(multipart or {}), errors,
                      path_types=_converter_types(rule))
        )

        @functools.wraps(view)
        def endpoint(**url_args):
            if auth == "bearer":
                from hub.users.services import current_user_from_request

                g.user = current_user_from_request(g.db)
            elif auth == "member":
                from hub.members import sessions

                sessions.from_request()  # sets g.member
            if body is not None:
                url_args["body"] = parse_model(body, _json_body(), "请求体")
            if query is not None:
                url_args["query"] = parse_model(query, request.args.to_dict(), "查询参数")
            result = view(**url_args)
            g.db.commit()
            return _answer(result, status)

        bp.add_url_rule(rule, view.__name__, endpoint, methods=[method])
        return view

    return decorator


def refuse_nulls(changes: dict, model) -> dict:
    """A PATCH may leave a field out, but not set a NOT NULL column of `model` to null: a
    400 naming the fields, rather than the database refusing the write."""
    columns = model.__table__.c
    bad = {name: "不能设为 null" for name, value in changes.items()
           if value is None and name in columns and not columns[name].nullable}
    if bad:
        raise BadRequest("这些字段不能设为 null：" + "、".join(bad), fields=bad)
    return changes


def _answer(result, status: int):
    if isinstance(result, BaseModel):
        result = result.model_dump(mode="json")
    return jsonify(result), status


def error_response(exc: HubError):
    response = jsonify(exc.to_json())
    retry_after = getattr(exc, "retry_after", None)  # a 429 says when to try again
    if retry_after:
        response.headers["Retry-After"] = str(retry_after)
    return response, exc.status


# Flask's URL converters, as the JSON Schema of what they accept.
INTEGER_PARAMETER = {"type": "integer", "minimum": 0}
_CONVERTER_SCHEMAS = {"int": INTEGER_PARAMETER, "float": {"type": "number"}}
# Files named by their content's hash.
SHA256_PARAMETER = {"type": "string", "pattern": "^[0-9a-f]{64}$"}


def _openapi_path(rule: str) -> str:
    return re.sub(r"<(?:[a-z]+:)?([a-z_0-9]+)>", r"{\1}", rule)


def _converter_types(rule: str) -> dict[str, dict]:
    """`<int:post_id>` -> {"post_id": integer}: what the rule's converters really accept."""
    return {name: _CONVERTER_SCHEMAS[converter]
            for converter, name in re.findall(r"<([a-z]+):([a-z_0-9]+)>", rule)
            if converter in _CONVERTER_SCHEMAS}


class _QualifiedNames(GenerateJsonSchema):
    """Schema names: a model's own name, or where two modules use one name (the LED and the
    splash editors' `ItemOut`), qualified by its package: `LedScreenItemOut`."""

    def normalize_name(self, name: str) -> str:
        *modules, own = re.sub(r"[^a-zA-Z0-9.\-_]", "_", name).split(".")
        if len(modules) < 2:
            return super().normalize_name(name)
        package = "".join(word.capitalize() for word in modules[1].split("_"))
        return package + own


class _Schemas:
    """Every model's JSON Schema under components, and the `$ref` that names each."""

    def __init__(self, operations: list[Operation]):
        pairs = {(m, "validation") for op in operations for m in (op.body, op.query) if m}
        pairs |= {(op.response, "serialization") for op in operations if op.response}
        refs, defs = models_json_schema(
            sorted(pairs, key=lambda pair: (pair[0].__module__, pair[0].__name__, pair[1])),
            ref_template="#/components/schemas/{model}", schema_generator=_QualifiedNames)
        self.refs = refs
        self.components = defs.get("$defs", {})

    def ref(self, model: type[BaseModel], mode: str = "validation") -> dict:
        return self.refs[(model, mode)]

    def of(self, model: type[BaseModel]) -> dict:
        return self.components[self.ref(model)["$ref"].rsplit("/", 1)[1]]


def _query_schema(prop: dict) -> dict:
    """A query parameter's schema: a missing parameter is how a query says null."""
    options = [o for o in prop.get("anyOf", []) if o.get("type") != "null"]
    if len(options) == 1:
        prop = {**{k: v for k, v in prop.items() if k != "anyOf"}, **options[0]}
    return {k: v for k, v in prop.items()
            if k not in ("title", "description") and not (k == "default" and v is None)}


def _parameters(op: Operation, schemas: _Schemas) -> list[dict]:
    params = [
        {"name": name, "in": "path", "required": True,
         "schema": op.path_types.get(name, {"type": "string"})}
        for name in re.findall(r"{([a-z_0-9]+)}", op.path)
    ]
    if op.query is not None:
        model = schemas.of(op.query)
        for name, prop in model.get("properties", {}).items():
            params.append({"name": name, "in": "query",
                           "required": name in model.get("required", []),
                           "description": prop.get("description", ""),
                           "schema": _query_schema(prop)})
    return params


def _success(op: Operation, schemas: _Schemas) -> dict:
    ok: dict[str, Any] = {"description": "OK"}
    if op.response is not None:
        ok["content"] = {op.media_type: {"schema": schemas.ref(op.response, "serialization")}}
    elif op.media_type.startswith("text/") or op.media_type.endswith("/xml"):
        ok["content"] = {op.media_type: {"schema": {"type": "string"}}}
    elif op.media_type != "application/json":
        ok["content"] = {op.media_type: {"schema": {"type": "string", "format": "binary"}}}
    return ok


def _operation_spec(op: Operation, schemas: _Schemas) -> dict:
    spec: dict[str, Any] = {"summary": op.summary, "tags": [op.tag],
                            "parameters": _parameters(op, schemas), "responses": {}}
    if op.auth:
        spec["security"] = [{op.auth: []}]
    if op.body is not None:
        spec["requestBody"] = {"required": True, "content": {"application/json": {
            "schema": schemas.ref(op.body)}}}
    if op.multipart:
        props = {name: {"type": "string", "format": "binary" if kind == "file" else None,
                        "description": kind} for name, kind in op.multipart.items()}
        for prop in props.values():
            if prop["format"] is None:
                del prop["format"]
        spec["requestBody"] = {"required": True, "content": {"multipart/form-data": {
            "schema": {"type": "object", "properties": props}}}}
    spec["responses"][str(op.status)] = _success(op, schemas)
    for code in sorted({400, 401, 403, 404, *op.errors} if op.auth else {400, *op.errors}):
        spec["responses"][str(code)] = {"description": "error",
                                        "content": {"application/json": {
                                            "schema": {"$ref": "#/components/schemas/Error"}}}}
    return spec


def openapi_document() -> dict:
    schemas = _Schemas(OPERATIONS)
    components = dict(schemas.components)
    components["Error"] = {"type": "object", "required": ["error", "message"], "description": (
        "Every error: error (a code), message (a Chinese sentence to show as it is), fields "
        "(field → Chinese sentence). A refusal that is not an error (a campaign the member may "
        "not join) is eligible=false with reason (Chinese) and reason_code."), "properties": {
        "error": {"type": "string"}, "message": {"type": "string"},
        "fields": {"type": "object", "additionalProperties": {"type": "string"}}}}
    paths: dict[str, dict] = {}
    for op in OPERATIONS:
        paths.setdefault(op.path, {})[op.method] = _operation_spec(op, schemas)
    return {
        "openapi": "3.1.0",
        "info": {"title": "粤工惠内容与活动中枢 API", "version": "1"},
        "components": {"schemas": components, "securitySchemes": {
            "bearer": {"type": "http", "scheme": "bearer"},
            "member": {"type": "apiKey", "in": "header", "name": "Authorization",
                       "description": "Member <token> from POST /mp/v1/session"}}},
        "paths": paths,
    }


def cli_fail(exc) -> None:
    """For `hub …` commands (the hub's and adapters'): print what went wrong, in Chinese, and
    exit 1."""
    fail(exc)
