// 搜索工会号: find any union account in the province by name and follow it from the list.
const api = require('../../lib/api');
const { accountListData, accountListMethods } = require('../../lib/account-list');
const { withCare } = require('../../lib/care');

Page(withCare({
  ...accountListMethods,

  data: { ...accountListData, q: '', searched: '', notice: '' },

  onQuery(e) {
    this.setData({ q: e.detail.value });
  },

  async onSearch() {
    const q = this.data.q.trim();
    if (!q) {
      this.setData({ notice: '请输入工会名称' });
      return;
    }
    try {
      const result = await api.searchAccounts(q);
      this.showAccounts(result.accounts || []);
      this.setData({ searched: q, notice: '' });
    } catch (err) {
      this.setData({ notice: err.message });
    }
  },
}));
