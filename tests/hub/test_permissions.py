"""The permission matrix: each role on its own account, a child, a sibling and the parent."""

from __future__ import annotations

import pytest

from hub.accounts.services import get_account
from hub.users.services import create_user, grant_role, issue_token

# Grants sit on dg-humen; child dg-humen-garment, sibling dg-changan, parent dongguan.
WHERE = {"own": "dg-humen", "child": "dg-humen-garment", "sibling": "dg-changan",
         "parent": "dongguan"}
ROLES = ("author", "reviewer", "admin")
INSIDE = ("own", "child")


@pytest.fixture
def role_headers(db, demo):
    headers = {}
    for role in ROLES:
        user = create_user(db, f"humen-{role}", "password-123", f"虎门{role}")
        grant_role(db, user, get_account(db, "dg-humen"), role)
        headers[role] = {"Authorization": f"Bearer {issue_token(db, user)}"}
    db.commit()
    return headers


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("where", list(WHERE))
def test_write_a_post(client, role_headers, role, where):
    response = client.post("/api/v1/posts", headers=role_headers[role],
                           json={"account": WHERE[where], "title": "权限测试", "body": "x"})
    assert response.status_code == (201 if where in INSIDE else 403)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("where", list(WHERE))
def test_publish_where_no_review_is_required(client, token_for, role_headers, role, where):
    admin = token_for("gd-admin")  # writes the post, so approval is never "one's own"
    post = client.post("/api/v1/posts", headers=admin,
                       json={"account": WHERE[where], "title": "发布测试"}).get_json()
    response = client.post(f"/api/v1/posts/{post['id']}/publish", headers=role_headers[role])
    # dg-humen and below do not require review: every role may publish inside its grants.
    assert response.status_code == (200 if where in INSIDE else 403)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("where", list(WHERE))
def test_approve(client, token_for, role_headers, role, where):
    admin = token_for("gd-admin")
    post = client.post("/api/v1/posts", headers=admin,
                       json={"account": WHERE[where], "title": "审核测试"}).get_json()
    client.post(f"/api/v1/posts/{post['id']}/submit", headers=admin)
    response = client.post(f"/api/v1/posts/{post['id']}/approve", headers=role_headers[role])
    allowed = where in INSIDE and role in ("reviewer", "admin")
    assert response.status_code == (200 if allowed else 403)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("where", list(WHERE))
def test_manage_account_profile(client, role_headers, role, where):
    response = client.patch(f"/api/v1/accounts/{WHERE[where]}", headers=role_headers[role],
                            json={"intro": "简介"})
    assert response.status_code == (200 if where in INSIDE and role == "admin" else 403)


def test_author_cannot_publish_where_review_is_required(client, token_for):
    post = client.post("/api/v1/posts", headers=token_for("dg-editor"),
                       json={"account": "dg-humen", "title": "x"}).get_json()
    # dg-editor is an author on dongguan; dg-humen does not require review, so they may.
    assert client.post(f"/api/v1/posts/{post['id']}/publish",
                       headers=token_for("dg-editor")).status_code == 200
    post = client.post("/api/v1/posts", headers=token_for("dg-editor"),
                       json={"account": "dongguan", "title": "x"}).get_json()
    assert client.post(f"/api/v1/posts/{post['id']}/publish",
                       headers=token_for("dg-editor")).status_code == 403


def test_province_admin_acts_everywhere(client, token_for):
    headers = token_for("gd-admin")
    for code in ("guangdong", "dongguan", "mz-xingning", "dg-humen-port"):
        response = client.post("/api/v1/posts", headers=headers,
                               json={"account": code, "title": "省总测试"})
        assert response.status_code == 201, code


def test_missing_bad_and_revoked_tokens_are_401(client, token_for):
    assert client.get("/api/v1/me").status_code == 401
    assert client.get("/api/v1/me", headers={"Authorization": "Bearer nope"}).status_code == 401
    assert client.get("/api/v1/me", headers={"Authorization": "Basic eDp5"}).status_code == 401
    headers = token_for("dg-editor")
    created = client.post("/api/v1/me/tokens", headers=headers, json={"label": "脚本"}).get_json()
    new_headers = {"Authorization": f"Bearer {created['token']}"}
    assert client.get("/api/v1/me", headers=new_headers).get_json()["username"] == "dg-editor"
    listed = client.get("/api/v1/me/tokens", headers=headers).get_json()["tokens"]
    assert all(t["token"] is None for t in listed)
    assert client.delete(f"/api/v1/me/tokens/{created['id']}", headers=headers).status_code == 200
    assert client.get("/api/v1/me", headers=new_headers).status_code == 401


def test_tokens_are_stored_hashed(db, token_for):
    from hub.users.models import ApiToken

    token = token_for("dg-editor")["Authorization"].split()[1]
    stored = [row.token_hash for row in db.query(ApiToken)]
    assert token not in stored and all(len(h) == 64 for h in stored)


def test_cannot_revoke_someone_elses_token(client, token_for):
    other = client.post("/api/v1/me/tokens", headers=token_for("mz-editor"), json={}).get_json()
    response = client.delete(f"/api/v1/me/tokens/{other['id']}", headers=token_for("dg-editor"))
    assert response.status_code == 404
