"""The console's 专题 and 本地服务 pages: a reviewer builds a topic from the account's posts and
those pushed down to it, orders and closes it; an author only reads; an admin adds a service
link (told plainly when the address is not https) and hides one inherited from above."""

from __future__ import annotations

import re

from console_support import post_form


def _text(response) -> str:
    return response.get_data(as_text=True)


def test_a_reviewer_builds_orders_and_closes_a_topic_in_the_console(console_as, publish):
    pushed = publish("gd-admin", "guangdong", "全省职工疗休养活动启动", push_down=["dongguan"])
    other_city = publish("mz-editor", "meizhou", "梅州的稿件")
    client = console_as("dg-reviewer")
    listing = "/console/a/dongguan/topics"
    made = post_form(client, listing, {"title": "职工疗休养", "summary": "疗休养安排",
                                       "starts_at": "", "ends_at": ""})
    assert made.status_code == 302
    topic_url = made.headers["Location"]
    page = _text(client.get(topic_url))
    assert "专题「职工疗休养」" in page and "全省职工疗休养活动启动" in page
    assert f'value="{other_city}"' not in page  # another city's post is never offered
    own = int(re.search(r'name="post" value="(\d+)"> 东莞市总工会', page).group(1))
    add = post_form(client, topic_url, {"action": "add", "post": [own, pushed]},
                    to=f"{topic_url}/posts")
    assert add.status_code == 302
    moved = post_form(client, topic_url, {"action": "move", "post": pushed,
                                          "direction": "up"}, to=f"{topic_url}/posts")
    assert moved.status_code == 302
    page = _text(client.get(topic_url))
    chosen = page.split("挑选稿件")[0]
    assert chosen.index("全省职工疗休养活动启动") < chosen.index("东莞市总工会启动")
    assert "（下发）" in chosen
    post_form(client, topic_url, {"closed": "1"}, to=f"{topic_url}/close")
    assert "已关闭" in _text(client.get(listing))
    backwards = post_form(client, topic_url, {"title": "职工疗休养", "summary": "",
                                              "starts_at": "2026-12-10T00:00",
                                              "ends_at": "2026-12-01T00:00"},
                          follow_redirects=True)
    assert "结束时间应晚于开始时间" in _text(backwards)


def test_an_author_reads_topics_and_services_but_gets_no_forms(console_as):
    client = console_as("dg-editor")
    topics = _text(client.get("/console/a/dongguan/topics"))
    assert "暖企行动·关爱新就业形态劳动者" in topics and "新建专题" not in topics
    services = _text(client.get("/console/a/dongguan/services"))
    assert "法律援助" in services and "添加服务" not in services
    refused = post_form(client, "/console/a/dongguan/topics",
                        {"title": "作者的专题"}, follow_redirects=True)
    assert "需要东莞市总工会的审核员或管理员权限" in _text(refused)


def test_an_admin_sets_service_links_and_hides_one_from_above(console_as):
    client = console_as("gd-admin")
    page = "/console/a/dongguan/services"
    link = {"name": "职工法律咨询", "icon": "legal", "kind": "web",
            "url": "http://law.example.com/", "enabled": "1"}
    refused = post_form(client, page, link, follow_redirects=True)
    assert "网址须以 https:// 开头" in _text(refused)
    added = post_form(client, page, link | {"url": "https://law.example.com/"},
                      follow_redirects=True)
    assert "已添加服务「职工法律咨询」" in _text(added)

    humen = "/console/a/dg-humen/services"
    listing = _text(client.get(humen))
    assert "上级工会提供的服务" in listing and "职工法律咨询" in listing
    link_id = re.search(r'services/(\d+)/action"[^>]*>.{0,200}隐藏「职工法律咨询」', listing,
                        re.S)
    assert link_id, listing
    hidden = post_form(client, humen, {"action": "hide"},
                       to=f"{humen}/{link_id.group(1)}/action", follow_redirects=True)
    assert "已隐藏" in _text(hidden) and "重新显示「职工法律咨询」" in _text(hidden)
