"""Helpers for the web-site tests: publishing through the editor API, reading feeds."""

from __future__ import annotations

from pathlib import Path

SITEMAP_XSD = Path(__file__).with_name("sitemap-0.9.xsd")


def publish(client, token_for, *, account="meizhou", title="职工书屋开放", body="每周六开放",
            **fields) -> int:
    """Write and publish a post as the account's editors would (review where required)."""
    author = token_for({"meizhou": "mz-editor"}.get(account, "dg-editor"))
    if account.startswith("mz-"):
        author = token_for("mz-editor")
    post = client.post("/api/v1/posts", headers=author, json={
        "account": account, "title": title, "body": body} | fields)
    assert post.status_code == 201, post.get_json()
    post_id = post.get_json()["id"]
    publisher = author
    if account == "dongguan":
        client.post(f"/api/v1/posts/{post_id}/submit", headers=author)
        publisher = token_for("dg-reviewer")
        client.post(f"/api/v1/posts/{post_id}/approve", headers=publisher)
    published = client.post(f"/api/v1/posts/{post_id}/publish", headers=publisher)
    assert published.status_code == 200, published.get_json()
    return post_id


def withdraw(client, token_for, post_id: int, account="meizhou") -> None:
    who = "dg-reviewer" if account == "dongguan" else "mz-editor"
    response = client.post(f"/api/v1/posts/{post_id}/withdraw", headers=token_for(who))
    assert response.status_code == 200, response.get_json()
