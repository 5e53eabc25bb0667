"""Fixtures for the members tests: ID number keys and publishing posts through the editor API."""

from __future__ import annotations

import pytest

from hub.members import identity


@pytest.fixture
def keys(config) -> identity.IdKeys:
    return identity.IdKeys.from_config(config)


@pytest.fixture
def publish(client, token_for):
    """publish(user, account, title, push_down=None) -> post id, through the editor API."""

    def go(user: str, account: str, title: str, push_down=None, reviewer: str | None = None):
        headers = token_for(user)
        body = {"account": account, "title": title, "body": "正文"}
        if push_down is not None:
            body["push_down"] = push_down
        post = client.post("/api/v1/posts", headers=headers, json=body).get_json()
        publisher = headers
        if reviewer:
            client.post(f"/api/v1/posts/{post['id']}/submit", headers=headers)
            publisher = token_for(reviewer)
            client.post(f"/api/v1/posts/{post['id']}/approve", headers=publisher)
        done = client.post(f"/api/v1/posts/{post['id']}/publish", headers=publisher)
        assert done.status_code == 200, done.get_json()
        return post["id"]

    return go
