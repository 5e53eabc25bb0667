// 正文: one published post, its HTML as the hub rendered it (already made safe there), a way
// to the campaign when it is a promotion, and sharing it with the member as the source.
const api = require('../../lib/api');
const config = require('../../config');
const share = require('../../lib/share');
const { withCare } = require('../../lib/care');
const { postView } = require('../../lib/format');

Page(withCare({
  data: { post: null, html: '', error: '', loading: true },

  async onLoad(query) {
    this.id = query.id;
    share.enable();
    try {
      // query.source: the member who shared the link that opened this page; query.src:
      // the outlet that brought them (a subscribe message's page says mp_subscribe)
      const post = await api.post(query.id, query.source, query.src);
      this.setData({ post: postView(post, new Date(), config.baseUrl()), html: post.html || '', error: '' });
    } catch (err) {
      this.setData({ error: err.message });
    } finally {
      this.setData({ loading: false });
    }
  },

  openAccount() {
    wx.navigateTo({ url: `/pages/account/index?code=${this.data.post.accountCode}` });
  },

  openCampaign() {
    wx.navigateTo({ url: `/pages/campaign/index?id=${this.data.post.campaignId}` });
  },

  shareWhat() {
    const post = this.data.post || {};
    return { id: this.id, title: post.title || '粤工惠', imageUrl: post.coverUrl };
  },

  onShareAppMessage() {
    return share.appMessage('post', this.shareWhat());
  },

  onShareTimeline() {
    return share.timeline('post', this.shareWhat());
  },
}));
