"""A union's site shows its page beyond the columns: its local services (its own and those
from the unions above) and its open topics, each topic with its own page of the posts the site
carries, in the editors' order; a change to either is a new page (a new ETag)."""

from __future__ import annotations

from web_support import publish


def test_a_site_shows_its_services_and_topics_and_each_topic_has_a_page(
        client, token_for, sites, dispatcher):
    home = client.get("/sites/meizhou/")
    text = home.get_data(as_text=True)
    assert "本地服务" in text
    assert 'href="https://legal.meizhou.example.com/" rel="noopener external"' in text
    assert "技能培训报名" in text and "请在粤工惠小程序中使用" in text
    assert "技能强市·职工技能大赛" in text  # the demo's topic
    # A county's site shows 梅州's services, passed down.
    assert "https://home.meizhou.example.com/" in client.get("/sites/mz-dabu/").get_data(
        as_text=True)

    first = publish(client, token_for, title="职工书屋开放时间调整")
    second = publish(client, token_for, title="技能大赛第一轮成绩公布")
    elsewhere = publish(client, token_for, title="不在专题里的稿件")
    dispatcher.drain()
    admin = token_for("gd-admin")
    topic = client.post("/api/v1/accounts/meizhou/topics", headers=admin, json={
        "title": "书香梅州", "summary": "职工书屋的新消息"}).get_json()
    client.put(f"/api/v1/accounts/meizhou/topics/{topic['id']}/posts", headers=admin,
               json={"posts": [second, first]})
    changed = client.get("/sites/meizhou/", headers={"If-None-Match": home.headers["ETag"]})
    assert changed.status_code == 200 and "书香梅州" in changed.get_data(as_text=True)

    page = client.get(f"/sites/meizhou/topics/{topic['id']}/")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert "<h1 class=\"page-heading\">书香梅州</h1>" in body
    assert body.index("技能大赛第一轮成绩公布") < body.index("职工书屋开放时间调整")
    assert "不在专题里的稿件" not in body and elsewhere

    client.patch(f"/api/v1/accounts/meizhou/topics/{topic['id']}", headers=admin,
                 json={"closed": True})
    assert client.get(f"/sites/meizhou/topics/{topic['id']}/").status_code == 404
    assert "书香梅州" not in client.get("/sites/meizhou/").get_data(as_text=True)
    # Another account's topic is not this site's.
    dongguan = client.get("/api/v1/accounts/dongguan/topics", headers=admin).get_json()
    assert client.get(f"/sites/meizhou/topics/{dongguan['topics'][0]['id']}/"
                      ).status_code == 404
