"""A member sees a union's topics (专题) and its local services (本地服务) in the
mini-program: only topics open now, their published posts in the editors' order, and the
services of the union and of the unions above it that it does not hide."""

from __future__ import annotations


def test_a_member_sees_open_topics_their_posts_and_the_services_passed_down(
        client, demo, sign_in, token_for, publish):
    headers, _ = sign_in()
    reviewer, admin = token_for("dg-reviewer"), token_for("gd-admin")
    pushed = publish("gd-admin", "guangdong", "全省职工疗休养活动启动", push_down=["dongguan"])
    draft = client.post("/api/v1/posts", headers=token_for("dg-editor"), json={
        "account": "dongguan", "title": "还没发布的稿件", "body": "草稿"}).get_json()["id"]
    topic = client.post("/api/v1/accounts/dongguan/topics", headers=reviewer,
                        json={"title": "职工疗休养"}).get_json()
    client.put(f"/api/v1/accounts/dongguan/topics/{topic['id']}/posts", headers=reviewer,
               json={"posts": [draft, pushed]})
    later = client.post("/api/v1/accounts/dongguan/topics", headers=reviewer,
                        json={"title": "明年的专题", "starts_at": "2099-01-01T00:00"})
    assert later.status_code == 201

    topics = client.get("/mp/v1/accounts/dongguan/topics", headers=headers)
    assert topics.status_code == 200, topics.get_json()
    titles = [t["title"] for t in topics.get_json()["topics"]]
    assert "职工疗休养" in titles and "暖企行动·关爱新就业形态劳动者" in titles  # demo's
    assert "明年的专题" not in titles
    page = client.get(f"/mp/v1/accounts/dongguan/topics/{topic['id']}", headers=headers)
    items = page.get_json()["items"]
    assert [(i["id"], i["from_above"]) for i in items] == [(pushed, True)]  # no draft
    assert client.get(f"/mp/v1/accounts/dongguan/topics/{later.get_json()['id']}",
                      headers=headers).status_code == 404

    client.patch(f"/api/v1/accounts/dongguan/topics/{topic['id']}", headers=reviewer,
                 json={"closed": True})
    assert client.get(f"/mp/v1/accounts/dongguan/topics/{topic['id']}",
                      headers=headers).status_code == 404

    province = client.post("/api/v1/accounts/guangdong/service-links", headers=admin, json={
        "name": "全省职工服务", "icon": "service", "kind": "miniprogram",
        "mp_appid": "wx0123456789abcdef", "mp_path": "pages/index/index"}).get_json()
    services = client.get("/mp/v1/accounts/dg-humen/services", headers=headers).get_json()
    names = [(s["name"], s["from_above"]) for s in services["services"]]
    assert names[:1] == [("全省职工服务", True)]
    assert ("法律援助", True) in names  # 东莞's demo link reaches its towns
    assert services["services"][0]["appid"] == "wx0123456789abcdef"
    client.put(f"/api/v1/accounts/dg-humen/service-links/{province['id']}/hidden",
               headers=admin, json={"hidden": True})
    services = client.get("/mp/v1/accounts/dg-humen/services", headers=headers).get_json()
    assert "全省职工服务" not in [s["name"] for s in services["services"]]
