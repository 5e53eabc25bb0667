// 正文: one published post, its HTML as the hub rendered it (already made safe there), and
// a way to the campaign when it is a promotion.
const api = require('../../lib/api');
const { postView } = require('../../lib/format');

Page({
  data: { post: null, html: '', error: '' },

  async onLoad(query) {
    try {
      const post = await api.post(query.id);
      this.setData({ post: postView(post), html: post.html || '', error: '' });
    } catch (err) {
      this.setData({ error: err.message });
    }
  },

  openAccount() {
    wx.navigateTo({ url: `/pages/account/index?code=${this.data.post.accountCode}` });
  },

  openCampaign() {
    wx.navigateTo({ url: `/pages/campaign/index?id=${this.data.post.campaignId}` });
  },
});
