"""Review alerts by e-mail: a post sent for review on 东莞 reaches its reviewers through a real
SMTP conversation (a small SMTP server on 127.0.0.1, started here), only where HUB_SMTP_URL is
set, and only once the submit is committed."""

from __future__ import annotations

import email
import socketserver
import threading
import time
from email.header import decode_header, make_header

import pytest


class _SmtpSession(socketserver.StreamRequestHandler):
    """Enough of RFC 5321 for smtplib: greeting, EHLO, MAIL, RCPT, DATA, QUIT."""

    def reply(self, line: str) -> None:
        self.wfile.write(f"{line}\r\n".encode())

    def handle(self) -> None:
        envelope: dict = {"to": []}
        self.reply("220 test-smtp ready")
        while line := self.rfile.readline():
            command = line.decode().strip()
            verb = command[:4].upper()
            if verb in ("EHLO", "HELO"):
                self.reply("250 test-smtp")
            elif verb == "MAIL":
                envelope = {"from": command.split(":", 1)[1].strip(" <>"), "to": []}
                self.reply("250 OK")
            elif verb == "RCPT":
                envelope["to"].append(command.split(":", 1)[1].strip(" <>"))
                self.reply("250 OK")
            elif verb == "DATA":
                self.reply("354 end with .")
                lines = []
                while (data := self.rfile.readline()) not in (b".\r\n", b""):
                    lines.append(data)
                envelope["message"] = email.message_from_bytes(b"".join(lines))
                self.server.received.append(envelope)
                self.reply("250 queued")
            elif verb == "QUIT":
                self.reply("221 bye")
                return
            else:
                self.reply("250 OK")


@pytest.fixture
def smtp_server():
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _SmtpSession)
    server.daemon_threads = True
    server.received = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def _wait_for(received: list, count: int) -> list:
    deadline = time.monotonic() + 30  # generous: the alert goes out on a thread of its own
    while len(received) < count and time.monotonic() < deadline:
        time.sleep(0.05)
    return received


def _post(client, headers, title="职工书屋开放") -> int:
    made = client.post("/api/v1/posts", headers=headers, json={
        "account": "dongguan", "title": title, "body": "每周六开放"})
    return made.get_json()["id"]


def test_a_submitted_post_is_mailed_to_its_reviewers(app, client, token_for, smtp_server):
    author, reviewer = token_for("dg-editor"), token_for("dg-reviewer")
    app.config["HUB"].smtp_url = \
        f"smtp://127.0.0.1:{smtp_server.server_address[1]}?from=hub@gonghui.example"
    me = client.patch("/api/v1/me", headers=reviewer, json={"email": "shen@gonghui.example"})
    assert me.status_code == 200 and me.get_json()["email"] == "shen@gonghui.example"
    bad = client.patch("/api/v1/me", headers=reviewer, json={"email": "不是地址"})
    assert bad.status_code == 400 and "不是有效的电子邮件地址" in bad.get_json()["message"]
    client.patch("/api/v1/me", headers=author, json={"email": "author@gonghui.example"})

    post_id = _post(client, author)
    assert client.post(f"/api/v1/posts/{post_id}/submit", headers=author).status_code == 200
    (sent,) = _wait_for(smtp_server.received, 1)
    assert sent["from"] == "hub@gonghui.example"
    assert sent["to"] == ["shen@gonghui.example"]  # the reviewer, not the author who sent it
    message = sent["message"]
    subject = str(make_header(decode_header(message["Subject"])))
    assert subject == "【待审核】东莞市总工会：职工书屋开放"
    text = message.get_payload(decode=True).decode(message.get_content_charset())
    assert f"/console/posts/{post_id}" in text and "等待审核" in text

    # A refused submit (already in review) tells nobody.
    assert client.post(f"/api/v1/posts/{post_id}/submit", headers=author).status_code == 409
    time.sleep(0.5)
    assert len(smtp_server.received) == 1


def test_without_an_smtp_server_configured_nothing_is_sent(app, client, token_for,
                                                          smtp_server):
    author, reviewer = token_for("dg-editor"), token_for("dg-reviewer")
    assert app.config["HUB"].smtp_url is None  # the default, the demo's too
    client.patch("/api/v1/me", headers=reviewer, json={"email": "shen@gonghui.example"})
    post_id = _post(client, author)
    assert client.post(f"/api/v1/posts/{post_id}/submit", headers=author).status_code == 200
    time.sleep(0.5)
    assert smtp_server.received == []
