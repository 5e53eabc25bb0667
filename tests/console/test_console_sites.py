"""The site and partner pages of the console, for an account's admins: the site's title,
custom domain and description (seen on the site itself and on the domain), partner API keys
shown once and revoked, and partners' webhooks whose "发送测试事件" really sends a signed
event to a server on 127.0.0.1 and shows its answer. Authors get neither tab nor page."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from console_support import post_form
from sqlalchemy import select

from hub import ports
from hub.audit.models import AuditEvent

SITE = "/console/a/dongguan/site"
HOOKS = "/console/a/dongguan/webhooks"


class _Partner:
    """A partner's server: answers 204 to an event signed with `secret`, 401 otherwise."""

    def __init__(self):
        self.secret, self.events, partner = "", [], self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                mac = hmac.new(partner.secret.encode(), self.headers["X-Hub-Timestamp"].encode()
                               + b"." + body, hashlib.sha256).hexdigest()
                good = hmac.compare_digest("sha256=" + mac, self.headers["X-Hub-Signature-256"])
                if good:
                    partner.events.append(json.loads(body))
                self.send_response(204 if good else 401)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def partner():
    running = _Partner()
    yield running
    running.server.shutdown()
    running.server.server_close()


def _actions(db, prefix: str) -> list[str]:
    db.rollback()
    return list(db.scalars(select(AuditEvent.action).where(
        AuditEvent.action.startswith(prefix), AuditEvent.actor_name == "gd-admin")))


def test_an_admin_sets_the_sites_title_domain_and_description(app, db, console_as, sites):
    admin = console_as("gd-admin")
    assert 'href="/console/a/dongguan/site"' in admin.get(SITE).get_data(as_text=True)
    bad = post_form(admin, SITE, {"title": "东莞工会", "domain": "not a domain", "tagline": ""},
                    follow_redirects=True)
    assert "域名「not a domain」格式不对" in bad.get_data(as_text=True)
    saved = post_form(admin, SITE, {"title": "东莞职工之家", "domain": "https://GH.DG.Example.cn/",
                                    "tagline": "服务职工 温暖同行"}, follow_redirects=True)
    assert "网站设置已保存" in saved.get_data(as_text=True)
    site = app.test_client().get("/sites/dongguan/").get_data(as_text=True)
    assert "东莞职工之家" in site and "服务职工 温暖同行" in site
    db.rollback()
    [outlet] = ports.outlets(db, "web", key="dongguan")
    assert outlet.config["domain"] == "gh.dg.example.cn"
    taken = post_form(admin, "/console/a/dg-humen/site", {"domain": "gh.dg.example.cn"},
                      follow_redirects=True)
    assert "已由「东莞市总工会网站」使用" in taken.get_data(as_text=True)
    assert _actions(db, "web.site") == ["web.site.update"]


def test_partner_keys_are_shown_once_and_revoked(app, db, console_as, sites):
    admin = console_as("gd-admin")
    issued = post_form(admin, SITE, {"partner": "东莞日报"}, to=SITE + "/keys")
    key = re.search(r'<code class="secret">(wpk_[^<]+)</code>', issued.get_data(as_text=True))
    assert issued.status_code == 200 and key
    api = app.test_client()
    url = "/api/partner/v1/posts?account=dongguan"
    assert api.get(url, headers={"X-Api-Key": key.group(1)}).status_code == 200
    page = admin.get(SITE).get_data(as_text=True)
    assert key.group(1) not in page and "东莞日报" in page
    key_id = re.search(r'/site/keys/(\d+)/revoke', page).group(1)
    revoked = post_form(admin, SITE, {}, to=f"{SITE}/keys/{key_id}/revoke",
                        follow_redirects=True)
    assert "已撤销「东莞日报」的 API 密钥" in revoked.get_data(as_text=True)
    assert api.get(url, headers={"X-Api-Key": key.group(1)}).status_code == 401
    assert _actions(db, "partner.key") == ["partner.key.issue", "partner.key.revoke"]
    refused = post_form(admin, SITE, {"partner": "  "}, to=SITE + "/keys",
                        follow_redirects=True)
    assert "合作方名称不能为空" in refused.get_data(as_text=True)


def test_a_refused_form_goes_back_to_its_outlet_page_with_the_message(db, console_as, sites):
    """Without a referrer to go back to, the outlet's own page (not the account's overview)."""
    admin = console_as("gd-admin")
    refused = post_form(admin, SITE, {"partner": "  "}, to=SITE + "/keys")
    assert refused.status_code == 302 and refused.headers["Location"] == SITE
    shown = admin.get(SITE).get_data(as_text=True)
    assert '<p class="flash error" role="alert">合作方名称不能为空' in shown


def test_a_webhook_is_added_and_its_test_event_really_sent(app, db, console_as, sites,
                                                           partner):
    admin = console_as("gd-admin")
    bad = post_form(admin, HOOKS, {"name": "东莞日报", "url": "ftp://x"}, follow_redirects=True)
    assert "回调地址应为 http:// 或 https://" in bad.get_data(as_text=True)
    added = post_form(admin, HOOKS, {"name": "东莞日报", "url": partner.url})
    secret = re.search(r'<code class="secret">(whsec_[^<]+)</code>',
                       added.get_data(as_text=True))
    assert added.status_code == 200 and secret
    page = admin.get(HOOKS).get_data(as_text=True)
    assert secret.group(1) not in page and partner.url in page
    test_url = re.search(r'action="(/console/a/dongguan/webhooks/\d+/test)"', page).group(1)

    partner.secret = "not-the-one-shown"  # the partner has not stored the secret yet
    refused = post_form(admin, HOOKS, {}, to=test_url, follow_redirects=True)
    assert "HTTP 401" in refused.get_data(as_text=True) and partner.events == []
    partner.secret = secret.group(1)
    sent = post_form(admin, HOOKS, {}, to=test_url, follow_redirects=True)
    assert "对方服务器返回 HTTP 204，签名测试事件已送达" in sent.get_data(as_text=True)
    [event] = partner.events
    assert event["type"] == "ping" and event["account"] == "dongguan" and event["test"] is True
    assert _actions(db, "webhook.test") == ["webhook.test", "webhook.test"]
    db.rollback()
    [hook] = ports.outlets(db, "webhook", account_ids=[ports.account(db, "dongguan").id])
    assert hook.name == "东莞日报" and hook.config == {"url": partner.url}


def test_authors_get_neither_tab_nor_page(db, console_as, sites):
    author = console_as("dg-editor")
    overview = author.get("/console/a/dongguan/").get_data(as_text=True)
    assert 'href="/console/a/dongguan/site"' not in overview
    assert 'href="/console/a/dongguan/webhooks"' not in overview
    for page in (SITE, HOOKS):  # the hub's refusal, as the console's page (not the API's JSON)
        refused = author.get(page)
        said = refused.get_data(as_text=True)
        assert refused.status_code == 403 and refused.mimetype == "text/html", page
        assert "<title>出错了" in said and "需要东莞市总工会的管理员权限" in said, page
    for action, data in ((SITE, {"title": "改掉"}), (SITE + "/keys", {"partner": "x"}),
                         (HOOKS, {"name": "x", "url": "http://x.cn"})):
        refused = post_form(author, "/console/a/dongguan/", data, to=action,
                            follow_redirects=True)
        assert "管理员权限" in refused.get_data(as_text=True), action
    db.rollback()
    assert "title" not in ports.outlets(db, "web", key="dongguan")[0].config
    assert ports.outlets(db, "webhook", account_ids=[ports.account(db, "dongguan").id]) == []
    assert _actions(db, "partner.key") == []
