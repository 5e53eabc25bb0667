"""WeChat API calls that wechatpy 1.8.18 lacks, written as its own API classes are.

`WeChatDraft` (draft box), `WeChatFreePublish` (publishing), `WeChatStableToken` (the stable
access token) and `WeChatMassTag` (mass send to a tag by `tag_id`; wechatpy's own
`send_mass_article` still sends the legacy `group_id`), and `WeChatMiniProgram` (signing a
mini-program user in, their phone number, subscribe messages) with every URL under the
configured API base (wechatpy's own `wxa` builds some from fixed hosts).
"""

from __future__ import annotations

from wechatpy.client.api.base import BaseWeChatAPI


class WeChatDraft(BaseWeChatAPI):
    """草稿箱 https://developers.weixin.qq.com/doc/offiaccount/Draft_Box/Add_draft.html"""

    def add(self, articles):
        """新建草稿；返回 media_id。"""
        return self._post("draft/add", data={"articles": articles},
                          result_processor=lambda x: x["media_id"])

    def get(self, media_id):
        """获取草稿；返回 news_item 列表。"""
        return self._post("draft/get", data={"media_id": media_id},
                          result_processor=lambda x: x["news_item"])

    def delete(self, media_id):
        return self._post("draft/delete", data={"media_id": media_id})


class WeChatFreePublish(BaseWeChatAPI):
    """发布能力 https://developers.weixin.qq.com/doc/offiaccount/Publish/Publish.html"""

    def submit(self, media_id):
        """发布草稿；返回 {publish_id, msg_data_id}：只表示已受理，结果见 PUBLISHJOBFINISH。"""
        return self._post("freepublish/submit", data={"media_id": media_id})

    def get(self, publish_id):
        """发布状态轮询（每天 100 次）：publish_status 0 成功，1 发布中，2-6 失败或删除。"""
        return self._post("freepublish/get", data={"publish_id": publish_id})

    def delete(self, article_id, index=0):
        """删除发布：index 0 删除整篇图文。"""
        return self._post("freepublish/delete", data={"article_id": article_id, "index": index})

    def batchget(self, offset=0, count=20, no_content=True):
        """已发布的图文，新的在前。"""
        return self._post("freepublish/batchget", data={
            "offset": offset, "count": count, "no_content": 1 if no_content else 0})


class WeChatStableToken(BaseWeChatAPI):
    """稳定版接口调用凭据 https://developers.weixin.qq.com/doc/offiaccount/Basic_Information/getStableAccessToken.html

    Called without an access token: `params` is a list, not a dict, so the client does not
    add one (wechatpy only adds `access_token` to dict params).
    """

    def get(self, force_refresh=False):
        return self._post("stable_token", params=[], data={
            "grant_type": "client_credential", "appid": self.appid, "secret": self.secret,
            "force_refresh": bool(force_refresh)})


class WeChatMassTag(BaseWeChatAPI):
    """群发到标签 https://developers.weixin.qq.com/doc/offiaccount/Message_Management/Batch_Sends_and_Originality_Checks.html"""

    def send_article(self, tag_id, media_id, clientmsgid=None, send_ignore_reprint=0):
        data = {"filter": {"is_to_all": False, "tag_id": int(tag_id)},
                "mpnews": {"media_id": media_id}, "msgtype": "mpnews",
                "send_ignore_reprint": send_ignore_reprint}
        if clientmsgid:
            data["clientmsgid"] = clientmsgid
        return self._post("message/mass/sendall", data=data)


class WeChatMiniProgram(BaseWeChatAPI):
    """小程序 https://developers.weixin.qq.com/miniprogram/dev/OpenApiDoc/"""

    def code_to_session(self, js_code):
        """wx.login 的 code 换 {openid, session_key, unionid?}；code 只能用一次。
        Called without an access token (list params, as stable_token)."""
        return self._get("sns/jscode2session", params=[
            ("appid", self.appid), ("secret", self.secret), ("js_code", js_code),
            ("grant_type", "authorization_code")])

    def phone_number(self, code):
        """getPhoneNumber 按钮给的 code 换手机号：phone_info。"""
        return self._post("wxa/business/getuserphonenumber", data={"code": code},
                          result_processor=lambda x: x["phone_info"])

    def send_subscribe(self, touser, template_id, data, page=None):
        """订阅消息：会员每同意一次可发一条；43101 表示未同意或已用完。"""
        body = {"touser": touser, "template_id": template_id, "data": data}
        if page:
            body["page"] = page
        return self._post("cgi-bin/message/subscribe/send", data=body)
