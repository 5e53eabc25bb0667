"""The app's outer contract: health, OpenAPI, JSON errors for unknown routes and bad bodies."""

from __future__ import annotations

from sqlalchemy import text

from hub.app import create_app


def test_healthz_answers_200_when_the_database_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json()["database"] == "up"


def test_healthz_answers_503_when_the_database_does_not(config, tmp_path):
    config.database_url = "postgresql+psycopg://nobody@127.0.0.1:1/none"
    app = create_app(config)
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["database"] == "down"


def test_openapi_document_is_generated_from_the_routes(client):
    spec = client.get("/api/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    assert "post" in spec["paths"]["/api/v1/posts"]
    assert "post" in spec["paths"]["/api/v1/posts/{post_id}/publish"]
    create = spec["paths"]["/api/v1/posts"]["post"]["requestBody"]["content"]
    ref = create["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    assert {"account", "title", "body"} <= set(spec["components"]["schemas"][ref]["properties"])


def test_unknown_api_route_is_json_404(client):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.get_json()["error"] == "not_found"


def test_malformed_json_is_400_naming_the_body(client, token_for):
    response = client.post("/api/v1/posts", data="{not json", headers={
        **token_for("dg-editor"), "Content-Type": "application/json"})
    assert response.status_code == 400
    assert "body" in response.get_json()["fields"]


def test_chinese_is_sent_as_utf8_not_escapes(client, token_for):
    response = client.get("/api/v1/accounts/dongguan", headers=token_for("dg-editor"))
    assert "东莞市总工会".encode() in response.data
    assert b"\\u" not in response.data


def test_schema_is_at_alembic_head(engine):
    from hub import migrate
    from hub.config import DEFAULT_CHANNELS

    locations = migrate.locations_of(DEFAULT_CHANNELS)
    assert migrate.is_current(engine, locations)
    heads = set(migrate.ScriptDirectory.from_config(migrate.alembic_config(locations)).get_heads())
    with engine.connect() as conn:
        recorded = set(conn.scalars(text("SELECT version_num FROM alembic_version")))
    # One row per branch head that no other applied revision depends on.
    assert recorded and recorded <= heads


def test_an_id_too_long_for_the_database_is_a_404(client, token_for):
    huge = "9" * 30
    for path in (f"/api/v1/posts/{huge}", f"/mp/v1/posts/{huge}", f"/c/{huge}",
                 f"/api/v1/posts/{2**31}/deliveries", f"/api/v1/posts/{2**63}"):
        answer = client.get(path, headers=token_for("dg-editor"))
        assert answer.status_code == 404, (path, answer.status_code)
    assert client.get(f"/api/v1/posts/{2**31 - 1}", headers=token_for("dg-editor")
                      ).status_code == 404  # the largest id is looked up, and is not there


def test_a_number_too_large_for_its_column_is_a_400(client, token_for, demo):
    headers = token_for("dg-editor")
    for value in (2**40, 2**70):
        answer = client.post("/api/v1/campaigns", headers=headers, json={
            "account": "dongguan", "post_id": value, "kind": "red_packet", "title": "x",
            "starts_at": "2026-12-01T09:00", "ends_at": "2026-12-02T09:00",
            "budget_fen": 100, "count": 1})
        assert answer.status_code in (400, 404), answer.get_json()
        assert answer.get_json()["error"] in ("invalid_input", "not_found")
