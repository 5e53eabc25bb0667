// 我的: the member's profile (masked), whether they are verified, and the way to their
// welfare, the accounts they follow, search and 实名认证.
const api = require('../../lib/api');
const state = require('../../lib/state');
const care = require('../../lib/care');

const { withCare } = care;

Page(withCare({
  data: { profile: {}, notice: '' },

  onLoad() {
    this.setData({ profile: state.profile() || {} });
  },

  // Verification or a new phone on another page shows here on return.
  async onShow() {
    try {
      const profile = await api.me();
      state.setProfile(profile);
      this.setData({ profile, notice: '' });
    } catch (err) {
      this.setData({ notice: err.message });
    }
  },

  onCare(e) {
    const on = Boolean(e.detail.value);
    care.setOn(on);
    this.setData({ care: on });
  },

  goVerify() {
    wx.navigateTo({ url: '/pages/verification/index' });
  },

  goMyUnion() {
    wx.switchTab({ url: '/pages/my-union/index' });
  },

  goWelfare() {
    wx.navigateTo({ url: '/pages/welfare/index' });
  },

  goFollows() {
    wx.navigateTo({ url: '/pages/follows/index' });
  },

  goSearch() {
    wx.navigateTo({ url: '/pages/search/index' });
  },
}));
