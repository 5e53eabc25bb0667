// 我的福利: red packets, vouchers and tickets with their codes, course seats, quiz prizes.
const api = require('../../lib/api');
const { welfareView } = require('../../lib/campaign');
const { yuan } = require('../../lib/format');
const { withCare } = require('../../lib/care');

Page(withCare({
  data: { items: [], totalText: '', loaded: false, notice: '' },

  async onLoad() {
    try {
      const result = await api.welfare();
      this.setData({
        items: (result.items || []).map(welfareView),
        totalText: result.total_fen > 0 ? `累计领到红包和奖金 ${yuan(result.total_fen)} 元` : '',
        loaded: true,
        notice: '',
      });
    } catch (err) {
      this.setData({ notice: err.message });
    }
  },

  openCampaign(e) {
    const { id } = e.currentTarget.dataset;
    if (id) wx.navigateTo({ url: `/pages/campaign/index?id=${id}` });
  },
}));
