"""Credentials and access tokens never reach a log, at any level, even when calls fail."""

from __future__ import annotations

import logging

from sqlalchemy import select
from wechat_adapter_helpers import faults, publish_dongguan, settled

from adapters.wechat.models import WeChatAccessToken
from hub import crypto


def test_no_secret_token_or_key_in_the_logs(caplog, client, token_for, matrix, wechat_sandbox,
                                            running, hub_server, config, db):
    caplog.set_level(logging.DEBUG)
    faults(wechat_sandbox.url, matrix["dg-humen"]["appid"], token_storm=2)
    post_id = publish_dongguan(client, token_for)
    settled(client, token_for("dg-editor"), post_id, {"delivered": 34})
    db.rollback()
    tokens = [crypto.decrypt(config.secret(), row.token_encrypted)
              for row in db.scalars(select(WeChatAccessToken))]
    assert len(tokens) == 34
    logged = caplog.text
    assert "access_token=***" in logged  # the calls were logged, their tokens blanked
    for creds in matrix.values():
        assert creds["secret"] not in logged
        assert creds["token"] not in logged
        if creds["encoding_aes_key"]:
            assert creds["encoding_aes_key"] not in logged
    for token in tokens:
        assert token not in logged


def test_credentials_never_come_back_from_the_api(client, token_for, matrix, db):
    answer = client.get("/api/v1/accounts/dongguan/outlets", headers=token_for("gd-admin"))
    text = answer.get_data(as_text=True)
    assert answer.status_code == 200 and answer.get_json()["outlets"][0]["has_secret"]
    assert matrix["dongguan"]["secret"] not in text and matrix["dongguan"]["token"] not in text
