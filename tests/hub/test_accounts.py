"""The account tree: demo shape, children inheriting columns, profiles, column editing."""

from __future__ import annotations

from hub.accounts.services import create_account, get_account, subtree


def test_demo_tree_has_the_contract_accounts(client, token_for):
    accounts = client.get("/api/v1/accounts", headers=token_for("dg-editor")).get_json()
    by_code = {a["code"]: a for a in accounts["accounts"]}
    assert by_code["guangdong"]["parent"] is None
    assert by_code["dongguan"]["parent"] == "guangdong"
    assert by_code["meizhou"]["parent"] == "guangdong"
    assert by_code["dongguan"]["name"] == "东莞市总工会"
    assert by_code["dongguan"]["requires_review"] is True
    towns = [a for a in by_code.values() if a["parent"] == "dongguan"]
    counties = [a for a in by_code.values() if a["parent"] == "meizhou"]
    assert len(towns) == 33
    assert len(counties) == 8
    assert by_code["dg-humen"]["name"] == "虎门镇总工会"
    assert any(a["level"] == "grassroots" and a["parent"] == "dg-humen" for a in by_code.values())


def test_demo_load_twice_changes_nothing(db, demo):
    from hub.accounts.models import Account
    from hub.posts.models import Post
    from hub.users.models import Grant, User

    def counts():
        return [db.query(m).count() for m in (Account, User, Grant, Post)]

    before = counts()
    # End the read: on SQLite a session that read and then writes is refused at once
    # ("database is locked") if any other connection wrote meanwhile, instead of waiting.
    db.commit()
    demo.load(db)
    db.commit()
    assert counts() == before


def test_child_account_starts_with_parent_columns_then_differs(client, token_for, db):
    headers = token_for("gd-admin")
    custom = {"columns": [{"slug": "news", "name": "东莞要闻"}, {"slug": "jobs", "name": "招聘"}]}
    assert client.put("/api/v1/accounts/dongguan/columns", json=custom,
                      headers=headers).status_code == 200
    response = client.post("/api/v1/accounts", headers=headers, json={
        "code": "dg-humen-newunion", "name": "虎门新工会", "level": "grassroots",
        "parent": "dg-humen"})
    assert response.status_code == 201
    # dg-humen was created before dongguan changed, so it kept the columns it inherited then.
    humen_columns = [c["slug"] for c in response.get_json()["columns"]]
    assert humen_columns == [c.slug for c in get_account(db, "dg-humen").columns]
    town = client.post("/api/v1/accounts", headers=headers, json={
        "code": "dg-newtown", "name": "新镇总工会", "level": "town", "parent": "dongguan"})
    assert [c["name"] for c in town.get_json()["columns"]] == ["东莞要闻", "招聘"]


def test_column_slugs_survive_reordering(client, token_for, db):
    headers = token_for("gd-admin")
    before = {c.slug: c.id for c in get_account(db, "meizhou").columns}
    new_order = [{"slug": s, "name": f"栏目{i}"} for i, s in enumerate(reversed(list(before)))]
    response = client.put("/api/v1/accounts/meizhou/columns", json={"columns": new_order},
                          headers=headers)
    assert response.status_code == 200
    db.rollback()  # end the read snapshot: see what the app committed
    after = {c.slug: c.id for c in get_account(db, "meizhou").columns}
    assert after == before
    assert [c.slug for c in get_account(db, "meizhou").columns] == list(reversed(list(before)))


def test_account_creation_refuses_bad_input(client, token_for):
    headers = token_for("gd-admin")
    cases = [
        ({"code": "Bad Code", "name": "x", "level": "town", "parent": "dongguan"}, "code"),
        ({"code": "dg-x", "name": "x", "level": "city", "parent": "dongguan"}, "level"),
        ({"code": "dg-y", "name": "x", "level": "moon", "parent": "dongguan"}, "level"),
        ({"code": "dongguan", "name": "x", "level": "town", "parent": "dongguan"}, "code"),
        ({"code": "dg-z", "name": "x", "level": "town", "parent": "dongguan",
          "theme_color": "red"}, "theme_color"),
        ({"code": "dg-w", "name": "x", "level": "town", "parent": "dongguan", "colour": 1},
         "colour"),
    ]
    for payload, field in cases:
        response = client.post("/api/v1/accounts", json=payload, headers=headers)
        assert 400 <= response.status_code < 500, payload
        assert field in response.get_json().get("fields", {}), response.get_json()
    unknown_parent = client.post("/api/v1/accounts", headers=headers, json={
        "code": "dg-q", "name": "x", "level": "town", "parent": "atlantis"})
    assert unknown_parent.status_code == 404


def test_profile_update_by_admin_is_audited(client, token_for):
    headers = token_for("gd-admin")
    response = client.patch("/api/v1/accounts/dg-humen", headers=headers, json={
        "short_name": "虎门工会", "theme_color": "#0055AA", "intro": "虎门镇职工之家"})
    assert response.status_code == 200
    assert response.get_json()["theme_color"] == "#0055AA"
    audit = client.get("/api/v1/audit?account=dg-humen", headers=headers).get_json()
    assert audit["events"][0]["action"] == "account.update"
    assert audit["events"][0]["actor"] == "gd-admin"


def test_a_patch_cannot_null_what_an_account_must_have(client, token_for):
    headers = token_for("gd-admin")
    refused = client.patch("/api/v1/accounts/dg-humen", headers=headers,
                           json={"name": None, "requires_review": None, "short_name": None})
    assert refused.status_code == 400
    assert set(refused.get_json()["fields"]) == {"name", "requires_review"}
    cleared = client.patch("/api/v1/accounts/dg-humen", headers=headers,
                           json={"short_name": None})  # this one may be empty
    assert cleared.status_code == 200 and cleared.get_json()["short_name"] is None


def test_a_logo_is_a_web_address_or_a_picture_of_the_hub(client, token_for):
    """The logo goes into web pages, share cards and the mini-program as an image address:
    an http(s) URL, or a picture in the hub's media library (/media/<id>/<digest>)."""
    headers = token_for("gd-admin")
    for logo in ("https://example.cn/humen.png", "/media/12/0123456789abcdef", None):
        kept = client.patch("/api/v1/accounts/dg-humen", headers=headers, json={"logo_url": logo})
        assert kept.status_code == 200 and kept.get_json()["logo_url"] == logo
    for logo in ("javascript:alert(1)", "humen.png", "/etc/passwd", "https://"):
        refused = client.patch("/api/v1/accounts/dg-humen", headers=headers,
                               json={"logo_url": logo})
        assert refused.status_code == 400, logo
        assert "素材库" in refused.get_json()["fields"]["logo_url"]

def test_subtree_is_the_account_and_everything_below(db, demo):
    dongguan = get_account(db, "dongguan")
    codes = {a.code for a in subtree(db, dongguan)}
    assert "dongguan" in codes and "dg-humen-garment" in codes
    assert "meizhou" not in codes and "guangdong" not in codes


def test_grassroots_cannot_have_children(db, demo):
    import pytest

    from hub.errors import BadRequest

    with pytest.raises(BadRequest):
        create_account(db, code="too-deep", name="太深", level="grassroots",
                       parent=get_account(db, "dg-humen-garment"))
