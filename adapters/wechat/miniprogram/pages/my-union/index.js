// 我的工会 (一键直达所属工会): the member's own grassroots union, straight away, with its
// posts. A member not yet verified has no union: the hub says so (404) and the page offers
// 实名认证 instead.
const api = require('../../lib/api');
const { accountView } = require('../../lib/format');
const { postListData, postListMethods } = require('../../lib/post-list');
const { withCare } = require('../../lib/care');
const config = require('../../config');

Page(withCare({
  ...postListMethods,

  data: { ...postListData, account: null, missing: '', error: '' },

  onLoad() {
    return this.loadUnion();
  },

  // Back from 实名认证 the member may have a union now (the first onShow follows onLoad).
  onShow() {
    const returning = this.shown;
    this.shown = true;
    if (returning && this.data.missing) return this.loadUnion();
    return undefined;
  },

  async loadUnion() {
    try {
      const account = await api.myUnion();
      this.setData({ account: accountView(account, config.baseUrl()), missing: '', error: '' });
    } catch (err) {
      if (err.status === 404) this.setData({ account: null, missing: err.message, error: '' });
      else this.setData({ error: err.message });
      return;
    }
    await this.startPostList((cursor) => api.accountPosts(this.data.account.code, cursor));
  },

  goVerify() {
    wx.navigateTo({ url: '/pages/verification/index' });
  },

  onOpenAccount(e) {
    wx.navigateTo({ url: `/pages/account/index?code=${e.detail.code}` });
  },
}));
