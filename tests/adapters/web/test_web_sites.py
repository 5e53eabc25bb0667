"""The union sites: posts appear and disappear through the delivery pipeline; pages, feeds
and sitemap; ETags; each account's own look; custom domains."""

from __future__ import annotations

import re

import feedparser
from lxml import etree
from sqlalchemy import func, select
from web_support import SITEMAP_XSD, publish, withdraw

from adapters.web.models import WebEntry
from hub import channels
from hub.accounts.services import all_accounts, get_account
from hub.channels import DeliveryJob, OutletInfo, PostSnapshot
from hub.deliveries.models import Delivery
from hub.outlets.models import Outlet


def _web_delivery(client, token_for, post_id, who="mz-editor"):
    listing = client.get(f"/api/v1/posts/{post_id}/deliveries",
                         headers=token_for(who)).get_json()["deliveries"]
    return [d for d in listing if d["channel"] == "web"]


def test_a_published_post_reaches_its_site_feeds_and_column_then_leaves(
        client, token_for, sites, dispatcher):
    post_id = publish(client, token_for, title="梅州市职工技能大赛报名", column="notice",
                      body="设电工、焊工等 **12 个工种**。")
    assert client.get(f"/sites/meizhou/posts/{post_id}").status_code == 404  # not yet sent
    dispatcher.drain()
    [delivery] = _web_delivery(client, token_for, post_id)
    assert delivery["state"] == "delivered"
    assert delivery["external_url"] == f"http://127.0.0.1:5000/sites/meizhou/posts/{post_id}"
    page = client.get(f"/sites/meizhou/posts/{post_id}")
    assert page.status_code == 200 and page.mimetype == "text/html"
    text = page.get_data(as_text=True)
    assert "<h1>梅州市职工技能大赛报名</h1>" in text and "<strong>12 个工种</strong>" in text
    assert "梅州市职工技能大赛报名" in client.get("/sites/meizhou/").get_data(as_text=True)
    assert "梅州市职工技能大赛报名" in client.get("/sites/meizhou/c/notice/").get_data(
        as_text=True)
    assert "梅州市职工技能大赛报名" not in client.get("/sites/meizhou/c/news/").get_data(
        as_text=True)

    atom = feedparser.parse(client.get("/sites/meizhou/feed.atom").data)
    assert not atom.bozo and atom.version == "atom10"
    assert atom.feed.title == "梅州市总工会"
    [entry] = atom.entries
    assert entry.title == "梅州市职工技能大赛报名"
    assert entry.link == f"http://127.0.0.1:5000/sites/meizhou/posts/{post_id}"
    assert "12 个工种" in entry.content[0].value and entry.tags[0].label == "通知公告"
    rss = feedparser.parse(client.get("/sites/meizhou/feed.rss").data)
    assert not rss.bozo and rss.version == "rss20"
    assert [e.title for e in rss.entries] == ["梅州市职工技能大赛报名"]
    assert rss.entries[0].published_parsed is not None

    withdraw(client, token_for, post_id)
    dispatcher.drain()
    assert [d["state"] for d in _web_delivery(client, token_for, post_id)] == ["withdrawn"]
    gone = client.get(f"/sites/meizhou/posts/{post_id}")
    assert gone.status_code == 404 and "稿件已撤回" in gone.get_data(as_text=True)
    assert "梅州市职工技能大赛报名" not in client.get("/sites/meizhou/").get_data(as_text=True)
    assert feedparser.parse(client.get("/sites/meizhou/feed.atom").data).entries == []


def test_a_promotion_shows_its_terms_box_only_when_it_has_terms(client, token_for, sites,
                                                                  dispatcher):
    bare = publish(client, token_for, title="只有正文的活动", kind="promotion")
    linked = publish(client, token_for, title="可以报名的活动", kind="promotion",
                     link_url="https://example.org/signup")
    dispatcher.drain()
    assert "promo-box" not in client.get(f"/sites/meizhou/posts/{bare}").get_data(as_text=True)
    page = client.get(f"/sites/meizhou/posts/{linked}").get_data(as_text=True)
    assert 'class="promo-box"' in page and "立即参与" in page


def test_pages_answer_304_until_something_changes(client, token_for, sites, dispatcher):
    first = client.get("/sites/meizhou/")
    etag = first.headers["ETag"]
    assert first.headers["Cache-Control"] == "public, no-cache"
    again = client.get("/sites/meizhou/", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b"" and again.headers["ETag"] == etag
    feed = client.get("/sites/meizhou/feed.atom")
    assert client.get("/sites/meizhou/feed.atom", headers={
        "If-None-Match": feed.headers["ETag"]}).status_code == 304
    # Behind a compressing proxy the tags come back weak: W/"…" still matches (RFC 9110).
    assert client.get("/sites/meizhou/", headers={"If-None-Match": f"W/{etag}"}
                      ).status_code == 304
    assert client.get("/sites/meizhou/feed.atom", headers={
        "If-None-Match": f"W/{feed.headers['ETag']}"}).status_code == 304
    publish(client, token_for, title="新的一篇")
    # Published but not yet delivered: the site has not changed.
    assert client.get("/sites/meizhou/", headers={"If-None-Match": etag}).status_code == 304
    dispatcher.drain()
    changed = client.get("/sites/meizhou/", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    assert "新的一篇" in changed.get_data(as_text=True)
    assert client.get("/sites/meizhou/feed.atom", headers={
        "If-None-Match": feed.headers["ETag"]}).status_code == 200
    # Another site's page is unaffected.
    other = client.get("/sites/dongguan/")
    assert client.get("/sites/dongguan/", headers={
        "If-None-Match": other.headers["ETag"]}).status_code == 304


def test_each_site_has_its_own_look_columns_and_neighbours(client, db, sites, token_for):
    dongguan = client.get("/sites/dongguan/").get_data(as_text=True)
    assert '<html lang="zh-CN">' in dongguan
    assert 'name="viewport" content="width=device-width, initial-scale=1"' in dongguan
    assert '<a href="/sites/guangdong/" rel="up">广东省总工会</a>' in dongguan
    assert '<a href="/sites/dg-humen/">虎门镇总工会</a>' in dongguan
    assert dongguan.count('<a href="/sites/dg-') == 33  # every town and street below
    assert "东莞市总工会官方网站" in dongguan  # its tagline
    assert _theme(client, "dongguan") == "#0F5BA7" and _theme(client, "meizhou") == "#1E7B4F"
    assert _theme(client, "guangdong") == "#C8102E"  # the account's own colour
    humen = client.get("/sites/dg-humen/").get_data(as_text=True)
    assert "虎门镇服装行业联合工会" in humen and '<a href="/sites/dongguan/"' in humen
    # An admin gives 虎门 a logo and its own columns: its site follows.
    admin = token_for("gd-admin")
    client.patch("/api/v1/accounts/dg-humen", headers=admin,
                  json={"logo_url": "https://example.cn/humen.png"})
    client.put("/api/v1/accounts/dg-humen/columns", headers=admin,
               json={"columns": [{"slug": "news", "name": "虎门要闻"},
                                 {"slug": "jobs", "name": "就业服务"}]})
    humen = client.get("/sites/dg-humen/").get_data(as_text=True)
    assert 'src="https://example.cn/humen.png"' in humen
    assert ">虎门要闻</a>" in humen and ">就业服务</a>" in humen and ">维权服务</a>" not in humen
    assert client.get("/sites/dg-humen/c/jobs/").status_code == 200
    assert client.get("/sites/dg-humen/c/rights/").status_code == 404


def _theme(client, code: str) -> str:
    """The colour a browser would use: the last --theme declared wins."""
    css = client.get(f"/sites/{code}/site.css").get_data(as_text=True)
    return re.findall(r"--theme: (#[0-9A-Fa-f]{6})", css)[-1]


def test_site_pages_allow_no_script_and_read_well_on_a_phone(client, sites):
    response = client.get("/sites/dongguan/")
    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'none'" in policy and "script" not in policy
    assert "<script" not in response.get_data(as_text=True)
    css = client.get("/sites/dongguan/site.css")
    assert css.mimetype == "text/css" and "max-age=300" in css.headers["Cache-Control"]
    assert "line-height: 1.75" in css.get_data(as_text=True)


def test_pushed_down_post_shows_on_child_sites_as_coming_from_above(
        client, token_for, sites, dispatcher):
    post_id = publish(client, token_for, account="dongguan", title="全市职工运动会报名",
                      push_down=["dg-humen", "dg-changan"])
    dispatcher.drain()
    humen = client.get(f"/sites/dg-humen/posts/{post_id}").get_data(as_text=True)
    assert "全市职工运动会报名" in humen and "来自东莞市总工会" in humen
    own = client.get(f"/sites/dongguan/posts/{post_id}").get_data(as_text=True)
    assert "来自" not in own.split("<main")[1]
    assert client.get(f"/sites/dg-qishi/posts/{post_id}").status_code == 404
    feed = feedparser.parse(client.get("/sites/dg-humen/feed.atom").data)
    assert feed.entries[0].author == "东莞市总工会"


def test_a_newer_version_replaces_the_page_and_late_withdrawals_of_old_ones_do_nothing(
        client, token_for, sites, dispatcher, db):
    post_id = publish(client, token_for, title="职工书屋开放时间")
    dispatcher.drain()
    client.patch(f"/api/v1/posts/{post_id}", headers=token_for("mz-editor"),
                 json={"title": "职工书屋延长开放时间"})
    dispatcher.drain()
    page = client.get(f"/sites/meizhou/posts/{post_id}").get_data(as_text=True)
    assert "职工书屋延长开放时间" in page
    deliveries = _web_delivery(client, token_for, post_id)
    assert [(d["version"], d["state"]) for d in deliveries] == [(2, "delivered"),
                                                                 (1, "withdrawn")]
    db.rollback()
    entry = db.scalar(select(WebEntry).where(WebEntry.post_id == post_id))
    assert entry.version == 2 and entry.live
    # The first version's withdrawal arriving again (at least once) leaves version 2 up.
    web = channels.get_channel("web")
    outlet = db.get(Outlet, entry.outlet_id)
    info = OutletInfo(id=outlet.id, channel="web", key=outlet.key, name=outlet.name,
                      account_code="meizhou", config=outlet.config)
    stale = DeliveryJob(delivery_id=0, idempotency_key=f"post-{post_id}-v1-outlet-{outlet.id}",
                        goal="withdraw", attempt=2, post=_snapshot(post_id, 1), outlet=info)
    web.withdraw(stale)
    # And a late send of version 1 does not overwrite version 2.
    web.deliver(DeliveryJob(delivery_id=0, idempotency_key=f"post-{post_id}-v1-outlet-"
                            f"{outlet.id}", goal="publish", attempt=3,
                            post=_snapshot(post_id, 1), outlet=info))
    page = client.get(f"/sites/meizhou/posts/{post_id}").get_data(as_text=True)
    assert "职工书屋延长开放时间" in page


def _snapshot(post_id: int, version: int) -> PostSnapshot:
    return PostSnapshot(id=post_id, version=version, kind="article", account_code="meizhou",
                        account_name="梅州市总工会", title="旧标题", summary="", body="",
                        body_html="<p>旧</p>", link_url=None, cover_url=None, valid_from=None,
                        valid_until=None, origin_account_code="meizhou")


def test_repeated_sends_change_nothing(client, token_for, sites, dispatcher, db):
    post_id = publish(client, token_for, title="重复投递也只有一篇")
    dispatcher.drain()
    db.rollback()
    entry = db.scalar(select(WebEntry).where(WebEntry.post_id == post_id))
    before = (entry.updated_at, entry.id)
    etag = client.get("/sites/meizhou/").headers["ETag"]
    delivery = db.scalar(select(Delivery).where(Delivery.post_id == post_id,
                                                Delivery.channel == "web"))
    outlet = db.get(Outlet, delivery.outlet_id)
    job = DeliveryJob(delivery_id=delivery.id, idempotency_key=delivery.idempotency_key,
                      goal="publish", attempt=2, post=_snapshot(post_id, 1),
                      outlet=OutletInfo(id=outlet.id, channel="web", key=outlet.key,
                                        name=outlet.name, account_code="meizhou",
                                        config=outlet.config))
    channels.get_channel("web").deliver(job)
    db.rollback()
    entry = db.scalar(select(WebEntry).where(WebEntry.post_id == post_id))
    assert (entry.updated_at, entry.id) == before
    assert db.scalar(select(func.count(WebEntry.id))) == 1
    assert client.get("/sites/meizhou/", headers={"If-None-Match": etag}).status_code == 304


def test_sitemap_validates_against_the_sitemaps_schema(client, token_for, sites, dispatcher):
    post_id = publish(client, token_for, title="带 & 符号 <标题>", column="news")
    dispatcher.drain()
    response = client.get("/sites/meizhou/sitemap.xml")
    assert response.mimetype == "application/xml"
    schema = etree.XMLSchema(etree.parse(str(SITEMAP_XSD)))
    document = etree.fromstring(response.data)
    assert schema.validate(document), schema.error_log
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    locations = document.xpath("//s:loc/text()", namespaces=ns)
    assert f"http://127.0.0.1:5000/sites/meizhou/posts/{post_id}" in locations
    assert "http://127.0.0.1:5000/sites/meizhou/c/news/" in locations
    robots = client.get("/sites/meizhou/robots.txt").get_data(as_text=True)
    assert "Sitemap: http://127.0.0.1:5000/sites/meizhou/sitemap.xml" in robots
    # Titles with markup characters stay well-formed in both feeds.
    assert feedparser.parse(client.get("/sites/meizhou/feed.atom").data).entries[0].title \
        == "带 & 符号 <标题>"
    assert not feedparser.parse(client.get("/sites/meizhou/feed.rss").data).bozo


def test_a_custom_domain_serves_the_site_at_its_root(client, token_for, db, config, sites,
                                                     dispatcher):
    outlet = db.scalar(select(Outlet).where(Outlet.channel == "web",
                                            Outlet.key == "meizhou"))
    outlet.config = dict(outlet.config, domain="gh.meizhou.example.cn", scheme="https")
    db.commit()
    post_id = publish(client, token_for, title="走进客家围屋", column="culture")
    dispatcher.drain()
    [delivery] = _web_delivery(client, token_for, post_id)
    assert delivery["external_url"] == f"https://gh.meizhou.example.cn/posts/{post_id}"
    host = {"Host": "gh.meizhou.example.cn"}
    home = client.get("/", headers=host, base_url="https://gh.meizhou.example.cn")
    assert home.status_code == 200
    text = home.get_data(as_text=True)
    assert '<link rel="stylesheet" href="/site.css">' in text
    assert f'href="/posts/{post_id}"' in text and "/sites/meizhou" not in text
    # Links to other unions' sites go to the hub, which serves them.
    assert '<a href="http://127.0.0.1:5000/sites/guangdong/" rel="up">' in text
    page = client.get(f"/posts/{post_id}", headers=host,
                      base_url="https://gh.meizhou.example.cn")
    assert "走进客家围屋" in page.get_data(as_text=True)
    feed = feedparser.parse(client.get("/feed.atom", headers=host,
                                       base_url="https://gh.meizhou.example.cn").data)
    assert feed.entries[0].link == f"https://gh.meizhou.example.cn/posts/{post_id}"
    assert client.get("/site.css", headers=host).mimetype == "text/css"
    # The hub's own address is not affected; an unknown host is just the hub.
    assert client.get("/sites/meizhou/").status_code == 200
    assert client.get("/healthz", headers={"Host": "unknown.example.cn"}).status_code == 200


def test_directory_and_unknown_sites(client, db, sites):
    directory = client.get("/sites/").get_data(as_text=True)
    assert directory.count('<li class="depth-') == len(all_accounts(db))
    assert '<a href="/sites/dongguan/">东莞市总工会</a>' in directory
    missing = client.get("/sites/no-such-union/")
    assert missing.status_code == 404 and "页面不存在" in missing.get_data(as_text=True)
    assert client.get("/sites/meizhou/?page=abc").status_code == 404


def test_demo_binds_one_site_per_account_and_binding_again_changes_nothing(db, config, app,
                                                                          demo):
    web = channels.get_channel("web")
    web.load_demo(db, config)
    web.load_demo(db, config)
    db.commit()
    sites = db.scalar(select(func.count(Outlet.id)).where(Outlet.channel == "web"))
    assert sites == len(all_accounts(db))
    assert get_account(db, "dongguan") is not None
