"""What the mini-program was shown wrong, fixed in the hub: a post says whether it came from
above and has its cover; a too-long search is told plainly; my union lists its sub-unions;
换绑 with the phone number WeChat vouches for, or the union admin's unbind (audited), without
telling strangers whether an ID number is on a roll; share codes; and the mini-program's copy
of the /mp/v1 description matches the hub's."""

from __future__ import annotations

import io
import json

from PIL import Image
from sqlalchemy import select

from hub.accounts.models import Account
from hub.api import openapi_document
from hub.audit.models import AuditEvent
from hub.db import make_session_factory, utcnow
from hub.members import demo as members_demo
from hub.members import identity
from hub.members.models import Member, MemberIdentity, MemberState
from hub.mp import contract, sharing

NAME, ID_NUMBER, MOBILE, UNION = members_demo.DEMO_MEMBER


def _verify(client, headers, name=NAME, number=ID_NUMBER):
    return client.post("/mp/v1/verification", headers=headers,
                       json={"name": name, "id_number": number})


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 32), (200, 16, 46)).save(buffer, format="PNG")
    return buffer.getvalue()


def test_a_post_says_it_came_from_above_and_carries_its_cover(client, members, sign_in,
                                                              publish, token_for):
    headers, _ = sign_in()
    assert _verify(client, headers).status_code == 200  # follows 虎门服装 up to 广东
    client.post("/mp/v1/accounts/mz-dabu/follow", headers=headers)
    media = client.post("/api/v1/media", headers=token_for("mz-editor"),
                        content_type="multipart/form-data",
                        data={"account": "meizhou", "file": (io.BytesIO(_png()), "封面.png")})
    assert media.status_code == 201, media.get_json()
    pushed = publish("mz-editor", "meizhou", "梅州春风行动", ["mz-dabu"],
                     cover_media_id=media.get_json()["id"])
    own = publish("hm-editor", "dg-humen", "虎门镇工会动态")
    from_above = client.get(f"/mp/v1/posts/{pushed}", headers=headers).get_json()
    assert from_above["from_above"] is True
    assert from_above["cover_url"].startswith(f"/media/{media.get_json()['id']}/")
    assert client.get(from_above["cover_url"]).status_code == 200
    followed = client.get(f"/mp/v1/posts/{own}", headers=headers).get_json()
    assert followed["from_above"] is False and followed["cover_url"] is None
    in_feed = {item["id"]: item for item in
               client.get("/mp/v1/feed", headers=headers).get_json()["items"]}
    assert in_feed[pushed]["from_above"] is True  # the feed and the post agree
    assert in_feed[pushed]["cover_url"] == from_above["cover_url"]


def test_a_search_too_long_is_told_plainly(client, demo, sign_in):
    headers, _ = sign_in()
    answer = client.get("/mp/v1/accounts", headers=headers, query_string={"q": "广" * 31})
    body = answer.get_json()
    assert answer.status_code == 400
    assert body == {"error": "invalid_input", "message": "搜索词请输入 1 到 30 个字",
                    "fields": {"q": "搜索词请输入 1 到 30 个字"}}
    words_for_member = client.post("/mp/v1/subscriptions", headers=headers,
                                   json={"template": "nope"}).get_json()
    assert words_for_member["message"] == "未知的订阅消息模板：nope"  # written for them: kept


def test_my_union_lists_its_sub_unions(client, members, sign_in, app, config):
    first17 = "44190019850307123"
    number = first17 + identity.check_char(first17)
    keys = identity.IdKeys.from_config(config)
    with make_session_factory(app.extensions["hub.engine"])() as db:  # 虎门's own roll
        humen = db.scalar(select(Account).where(Account.code == "dg-humen"))
        db.add(Member(account_id=humen.id, name="赵镇长", id_hash=keys.digest(number),
                      id_encrypted=keys.encrypt(number), state=MemberState.imported,
                      imported_at=utcnow(), updated_at=utcnow()))
        db.commit()
    headers, _ = sign_in()
    assert _verify(client, headers, "赵镇长", number).status_code == 200
    union = client.get("/mp/v1/my-union", headers=headers).get_json()
    assert union["code"] == "dg-humen"
    assert "dg-humen-garment" in {child["code"] for child in union["children"]}
    page = client.get("/mp/v1/accounts/dg-humen", headers=headers).get_json()
    assert union["children"] == page["children"]


def _new_phone(client, login_code, phone=None):
    codes = login_code(phone=phone)
    session = client.post("/mp/v1/session", json={"code": codes["js_code"]}).get_json()
    return {"Authorization": f"Member {session['token']}"}, codes.get("phone_code")


def test_a_member_on_a_new_wechat_account_rebinds_with_their_phone(client, members, sign_in,
                                                                   login_code, db):
    old, _ = sign_in()
    assert _verify(client, old).status_code == 200
    new, phone_code = _new_phone(client, login_code, MOBILE)
    refused = _verify(client, new)
    stranger = _verify(client, new, NAME, "440300199001011234")  # not on any roll
    assert refused.status_code == stranger.status_code == 400
    assert refused.get_json() == stranger.get_json()  # nothing tells the two apart
    assert "授权手机号" in refused.get_json()["message"]
    assert client.post("/mp/v1/phone", headers=new,
                       json={"code": phone_code}).status_code == 200
    moved = _verify(client, new)
    assert moved.status_code == 200, moved.get_json()
    assert moved.get_json()["profile"]["verified"] is True
    assert client.get("/mp/v1/my-union", headers=new).get_json()["code"] == UNION
    assert client.get("/mp/v1/my-union", headers=old).status_code == 404
    assert client.get("/mp/v1/me", headers=old).get_json()["verified"] is False
    db.rollback()
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "member.rebind"))
    assert event.detail["mobile"] == "138****8000"
    assert ID_NUMBER not in json.dumps(event.detail)


def test_another_phone_number_does_not_rebind(client, members, sign_in, login_code):
    old, _ = sign_in()
    assert _verify(client, old).status_code == 200
    new, phone_code = _new_phone(client, login_code, "13911112222")
    client.post("/mp/v1/phone", headers=new, json={"code": phone_code})
    assert _verify(client, new).status_code == 400
    assert client.get("/mp/v1/me", headers=old).get_json()["verified"] is True


def test_the_union_admin_unbinds_and_the_member_verifies_again(client, members, sign_in,
                                                               login_code, token_for, db):
    old, _ = sign_in()
    assert _verify(client, old).status_code == 200
    member_id = db.scalar(select(Member.id).where(Member.name == NAME))
    assert client.post(f"/api/v1/members/{member_id}/unbind",
                       headers=token_for("mz-editor")).status_code == 403  # not their union
    freed = client.post(f"/api/v1/members/{member_id}/unbind", headers=token_for("gd-admin"))
    assert freed.status_code == 200, freed.get_json()
    assert freed.get_json()["state"] == "registered"
    assert ID_NUMBER not in freed.get_data(as_text=True)
    assert client.get("/mp/v1/me", headers=old).get_json()["verified"] is False
    new, _ = _new_phone(client, login_code)
    assert _verify(client, new).status_code == 200
    db.rollback()
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "member.unbind"))
    assert event.actor_name == "gd-admin" and event.subject_id == member_id
    assert client.post("/api/v1/members/999999/unbind",
                       headers=token_for("gd-admin")).status_code == 404


def test_share_codes_name_the_sharer_and_nothing_else(client, demo, sign_in, publish, config,
                                                     db):
    headers, session = sign_in()
    source = session["profile"]["share_source"]
    identity_id = db.scalar(select(MemberIdentity.id))
    assert sharing.sharer_of(config.secret(), source) == identity_id
    altered = source[:-1] + ("0" if source[-1] != "0" else "1")
    assert sharing.sharer_of(config.secret(), altered) is None
    assert sharing.sharer_of(config.secret(), "1.forged") is None
    assert sharing.sharer_of(config.secret(), "zz.abc") is None
    assert sharing.sharer_of(config.secret(), "٣.签名") is None
    post = publish("mz-editor", "meizhou", "分享的文章")
    for code in (source, "1.forged", "٣.签名"):  # an edited link still opens the post
        answer = client.get(f"/mp/v1/posts/{post}", headers=headers,
                            query_string={"source": code})
        assert answer.status_code == 200, answer.get_json()


def test_the_mini_programs_copy_of_the_mp_description_is_the_hubs(app):
    expected = contract.render(openapi_document())
    assert contract.SNAPSHOT.read_text(encoding="utf-8") == expected, (
        "the hub's /mp/v1 changed: run `PYTHONPATH=. .venv/bin/python -m hub.mp.contract`, "
        "then fix the mini-program's fakes the jest tests name")
    schemas = json.loads(expected)["components"]["schemas"]
    assert {"from_above", "cover_url"} <= set(schemas["PostDetailOut"]["required"])
    assert schemas["Error"]["properties"]["fields"]["type"] == "object"
