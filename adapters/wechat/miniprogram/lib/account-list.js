// Page methods shared by the pages that list accounts with follow buttons (搜索工会号,
// 我的关注): data.accounts as account-card shows them, one follow change at a time, and
// opening an account.
const { accountView } = require('./format');
const { toggleFollow } = require('./follow');
const config = require('../config');

const accountListData = { accounts: [], busyCode: '' };

const accountListMethods = {
  showAccounts(accounts) {
    this.setData({ accounts: accounts.map((a) => accountView(a, config.baseUrl())) });
  },

  async onToggleFollow(e) {
    const { code, followed } = e.detail;
    if (this.data.busyCode) return;
    this.setData({ busyCode: code });
    const now = await toggleFollow(code, followed);
    const index = this.data.accounts.findIndex((a) => a.code === code);
    // A new object, so account-card sees its property change.
    if (now !== null && index >= 0) {
      this.setData({ [`accounts[${index}]`]: { ...this.data.accounts[index], followed: now } });
    }
    this.setData({ busyCode: '' });
  },

  onOpenAccount(e) {
    wx.navigateTo({ url: `/pages/account/index?code=${e.detail.code}` });
  },
};

module.exports = { accountListData, accountListMethods };
