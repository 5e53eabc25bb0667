"""What the WeChat outlet says stops a post (its `check`, shown under the editor's preview):
each problem says what to do in the console's own words, never a field path of the API."""

from __future__ import annotations

from dataclasses import replace

from adapters.wechat.channel import WeChatChannel
from hub.channels import OutletInfo, PostSnapshot

POST = PostSnapshot(id=1, version=1, kind="article", account_code="dongguan",
                    account_name="东莞市总工会", title="职工健步走", summary="", body="正文",
                    body_html="<p>正文</p>", link_url=None, cover_url=None, valid_from=None,
                    valid_until=None, origin_account_code="dongguan")
OUTLET = OutletInfo(id=1, channel="wechat", key="dg-mp", name="东莞市总工会公众号",
                    account_code="dongguan")


def test_a_long_title_or_summary_points_to_the_compose_forms_own_wechat_fields():
    channel = WeChatChannel()
    too_long = replace(POST, title="关于开展二〇二六年度全市职工职业技能大赛"
                                   "暨劳动和技能竞赛报名工作的通知", summary="摘" * 130)
    title_problem, summary_problem = channel.check(too_long, OUTLET)
    # The compose form labels each channel's own fields "<channel label>用的标题/摘要".
    assert "微信标题最多 32 字" in title_problem
    assert f"「{channel.label}用的标题」" in title_problem
    assert f"「{channel.label}用的摘要」" in summary_problem
    for said in (title_problem, summary_problem):
        assert "各渠道单独设置标题、摘要" in said and "overrides" not in said


def test_a_long_author_name_says_who_can_change_it_without_a_config_key():
    outlet = replace(OUTLET, config={"author": "东莞市总工会新闻宣传与网络工作部编辑组"})
    [said] = WeChatChannel().check(POST, outlet)
    assert "微信作者名最多 16 字" in said and "管理员" in said and "author" not in said
