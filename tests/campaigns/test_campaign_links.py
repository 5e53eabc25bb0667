"""A promotion leads to its campaign in every outlet: the snapshot outlets get carries the
landing page as its link (the website's button, the LED QR code, the splash link) and the
mini-program page (WeChat articles link it); the landing page and the mini-program feed
show the campaign."""

from __future__ import annotations

from dataclasses import replace

from adapters.wechat.render import article_for
from hub.accounts.services import get_account
from hub.channels import OutletInfo, PostSnapshot
from hub.outlets.services import bind_outlet


def _snapshot(**fields) -> PostSnapshot:
    base = PostSnapshot(id=1, version=1, kind="promotion", account_code="meizhou",
                        account_name="梅州市总工会", title="红包雨", summary="", body="x",
                        body_html="<p>x</p>", link_url=None, cover_url=None, valid_from=None,
                        valid_until=None, origin_account_code="meizhou")
    return replace(base, **fields)


def test_outlets_get_the_landing_page_and_the_mini_program_page(
        client, db, config, token_for, promotion, campaign, receiver, dispatcher, people):
    bind_outlet(db, get_account(db, "meizhou"), channel="loopback", key="site",
                name="测试终端", config={"url": receiver.url}, hub_secret=config.secret())
    db.commit()
    post_id = promotion("meizhou", publish=False)
    made = campaign("red_packet", "meizhou", post_id=post_id, budget_fen=10_000, count=10,
                    title="梅州红包雨")
    published = client.post(f"/api/v1/posts/{post_id}/publish", headers=token_for("mz-editor"))
    assert published.status_code == 200, published.get_json()
    dispatcher.drain()
    sent = [body["post"] for held in receiver.store.snapshot()["items"].values()
            for body in held.values()]
    assert len(sent) == 1
    assert sent[0]["link_url"] == f"{config.public_url}/c/{made['id']}"
    assert sent[0]["campaign_url"] == sent[0]["link_url"]  # outlets add their own name as src
    assert sent[0]["campaign_path"] == f"pages/campaign/index?id={made['id']}"

    landing = client.get(f"/c/{made['id']}")
    page = landing.get_data(as_text=True)
    assert landing.status_code == 200 and "梅州红包雨" in page and "进行中" in page
    assert "红包雨" in page and "梅州市总工会" in page
    assert client.get("/c/999999").status_code == 404

    member = people(1, union="mz-meijiang-hospital")[0]
    client.post("/mp/v1/accounts/meizhou/follow", headers=member.headers)
    feed = client.get("/mp/v1/feed", headers=member.headers).get_json()["items"]
    item = next(i for i in feed if i["id"] == post_id)
    assert item["campaign_id"] == made["id"] and item["kind"] == "promotion"


def test_a_draft_campaign_has_no_landing_page(client, promotion, campaign):
    post_id = promotion("meizhou", publish=False)
    made = campaign("red_packet", "meizhou", post_id=post_id, budget_fen=1_000, count=5)
    assert client.get(f"/c/{made['id']}").status_code == 404


def test_a_wechat_article_opens_the_campaign_in_the_mini_program_with_wechat_as_its_source():
    outlet = OutletInfo(id=1, channel="wechat", key="wx0123456789abcdef", name="公众号",
                        account_code="meizhou")
    post = _snapshot(campaign_path="pages/campaign/index?id=7", link_url="https://x.cn/c/7",
                     campaign_url="https://x.cn/c/7")
    article = article_for(post, outlet, miniprogram_appid="wxfedcba9876543210")
    assert ('data-miniprogram-appid="wxfedcba9876543210" '
            'data-miniprogram-path="pages/campaign/index?id=7&amp;src=wechat"') in article.content
    assert article.content_source_url == "https://x.cn/c/7?src=wechat"
    # An editor's own link is theirs: no source added to someone else's page.
    own = article_for(replace(post, link_url="https://union.example.cn/x"), outlet)
    assert own.content_source_url == "https://union.example.cn/x"
    plain = article_for(_snapshot(), outlet, miniprogram_appid="wxfedcba9876543210")
    assert "data-miniprogram-path" not in plain.content
