// 工会号主页: one union account with its introduction, the unions above and below it, the
// follow button (跨区域订阅), and its posts including those pushed down to it.
const api = require('../../lib/api');
const { accountView } = require('../../lib/format');
const { toggleFollow } = require('../../lib/follow');
const { postListData, postListMethods } = require('../../lib/post-list');
const { withCare } = require('../../lib/care');

Page(withCare({
  ...postListMethods,

  data: { ...postListData, account: null, error: '', followBusy: false },

  async onLoad(query) {
    this.code = query.code;
    try {
      const account = await api.account(this.code);
      this.setData({ account: accountView(account), error: '' });
      wx.setNavigationBarTitle({ title: account.name });
    } catch (err) {
      this.setData({ error: err.message });
      return;
    }
    await this.startPostList((cursor) => api.accountPosts(this.code, cursor));
  },

  async onToggleFollow(e) {
    const { code, followed } = e.detail;
    this.setData({ followBusy: true });
    const now = await toggleFollow(code, followed);
    this.setData({ followBusy: false });
    // A new object, so account-header sees its property change.
    if (now !== null) this.setData({ account: { ...this.data.account, followed: now } });
  },

  onOpenAccount(e) {
    wx.navigateTo({ url: `/pages/account/index?code=${e.detail.code}` });
  },
}));
