"""The WeChat adapter's settings: HUB_* variables read by pydantic-settings, defaults once."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from adapters.wechat.settings import WeChatSettings


def test_unset_means_the_defaults():
    settings = WeChatSettings.from_env({})

    assert settings.api_base is None and settings.api_url is None
    assert not settings.wants_sandbox
    assert settings.sandbox_port == 5001 and settings.timeout == 15.0
    assert settings.confirm_schedule == (120, 300, 900, 1800, 3600, 7200)
    assert (settings.template_news, settings.template_course) == ("hub-news",
                                                                  "hub-course-reminder")


def test_every_variable_keeps_its_name_and_meaning():
    settings = WeChatSettings.from_env({
        "HUB_WECHAT_API_BASE": "https://api.weixin.qq.com/", "HUB_WECHAT_SANDBOX_PORT": "8601",
        "HUB_REDIS_URL": "redis://cache:6379/0", "HUB_WECHAT_TIMEOUT": "7.5",
        "HUB_WECHAT_CONFIRM_SCHEDULE": "1, 2.5,", "HUB_WECHAT_POLL_BUDGET": "9",
        "HUB_WECHAT_SUBMIT_GRACE": "30", "HUB_MINIPROGRAM_APPID": "wxmini",
        "HUB_MINIPROGRAM_SECRET": "s3cret", "HUB_MINIPROGRAM_TEMPLATE_NEWS": "tpl-news",
        "HUB_MINIPROGRAM_TEMPLATE_COURSE": "", "HUB_DEMO": "0"})

    assert settings.api_url == "https://api.weixin.qq.com"  # no trailing slash
    assert settings.sandbox_port == 8601 and settings.redis_url == "redis://cache:6379/0"
    assert settings.timeout == 7.5 and settings.confirm_schedule == (1.0, 2.5)
    assert (settings.poll_budget, settings.submit_grace) == (9, 30.0)
    assert (settings.miniprogram_appid, settings.miniprogram_secret) == ("wxmini", "s3cret")
    assert settings.template_news == "tpl-news"
    assert settings.template_course == "hub-course-reminder"  # empty: the default


def test_sandbox_asks_for_the_sandbox_and_names_no_url():
    settings = WeChatSettings.from_env({"HUB_WECHAT_API_BASE": "sandbox"})

    assert settings.wants_sandbox and settings.api_url is None


def test_from_env_reads_the_process_environment_or_only_what_it_is_given(monkeypatch):
    monkeypatch.setenv("HUB_WECHAT_API_BASE", "sandbox")
    monkeypatch.setenv("HUB_WECHAT_CONFIRM_SCHEDULE", "5,10")

    assert WeChatSettings.from_env().wants_sandbox
    assert WeChatSettings.from_env().confirm_schedule == (5.0, 10.0)
    assert WeChatSettings.from_env({}).api_base is None


def test_a_malformed_number_is_refused_naming_it():
    with pytest.raises(ValidationError, match="WECHAT_SANDBOX_PORT"):
        WeChatSettings.from_env({"HUB_WECHAT_SANDBOX_PORT": "五千"})
