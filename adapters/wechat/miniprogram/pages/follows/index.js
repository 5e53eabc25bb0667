// 我的关注: every account the member follows; their own union chain is marked and stays.
const api = require('../../lib/api');
const { accountListData, accountListMethods } = require('../../lib/account-list');
const { withCare } = require('../../lib/care');

Page(withCare({
  ...accountListMethods,

  data: { ...accountListData, loaded: false, notice: '' },

  async onLoad() {
    try {
      const result = await api.follows();
      this.showAccounts(result.accounts || []);
      this.setData({ loaded: true, notice: '' });
    } catch (err) {
      this.setData({ notice: err.message });
    }
  },

  goSearch() {
    wx.navigateTo({ url: '/pages/search/index' });
  },
}));
