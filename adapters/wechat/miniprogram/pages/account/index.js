// 工会号主页: one union account with its introduction, the unions above and below it, the
// follow button (跨区域订阅), its local services (本地服务, its own and those of the unions
// above), its topics (专题), and its posts including those pushed down to it.
const api = require('../../lib/api');
const { accountView } = require('../../lib/format');
const { toggleFollow } = require('../../lib/follow');
const { postListData, postListMethods } = require('../../lib/post-list');
const { withCare } = require('../../lib/care');
const { serviceView, openService } = require('../../lib/services');
const config = require('../../config');

Page(withCare({
  ...postListMethods,

  data: { ...postListData, account: null, error: '', followBusy: false, services: [], topics: [] },

  async onLoad(query) {
    this.code = query.code;
    try {
      const account = await api.account(this.code);
      this.setData({ account: accountView(account, config.baseUrl()), error: '' });
      wx.setNavigationBarTitle({ title: account.name });
    } catch (err) {
      this.setData({ error: err.message });
      return;
    }
    await Promise.all([
      this.loadExtras(),
      this.startPostList((cursor) => api.accountPosts(this.code, cursor)),
    ]);
  },

  // Services and topics are extras: if either fails to load, the page shows the rest.
  async loadExtras() {
    const [services, topics] = await Promise.allSettled([
      api.accountServices(this.code), api.accountTopics(this.code)]);
    this.setData({
      services: services.status === 'fulfilled' ? services.value.services.map(serviceView) : [],
      topics: topics.status === 'fulfilled' ? topics.value.topics : [],
    });
  },

  onOpenService(e) {
    const link = this.data.services.find((s) => s.id === e.currentTarget.dataset.id);
    if (link) openService(link);
  },

  onOpenTopic(e) {
    wx.navigateTo({ url: `/pages/topic/index?code=${this.code}&id=${e.currentTarget.dataset.id}` });
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
