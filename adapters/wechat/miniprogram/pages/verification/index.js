// 实名认证: the member gives name and ID number, the hub matches them against the union's
// member roll. The hub does not say which of the two was wrong, and neither does this page.
// The phone number comes through WeChat's getPhoneNumber button, never typed in.
const api = require('../../lib/api');
const state = require('../../lib/state');
const { normalise, verificationFormError } = require('../../lib/idcard');
const { withCare } = require('../../lib/care');

Page(withCare({
  data: { profile: {}, name: '', idNumber: '', notice: '', submitting: false },

  async onLoad() {
    this.setData({ profile: state.profile() || {} });
    try {
      this.showProfile(await api.me());
    } catch (err) {
      this.setData({ notice: err.message });
    }
  },

  showProfile(profile) {
    state.setProfile(profile);
    this.setData({ profile });
  },

  onName(e) {
    this.setData({ name: e.detail.value, notice: '' });
  },

  onIdNumber(e) {
    this.setData({ idNumber: e.detail.value, notice: '' });
  },

  async onSubmit() {
    if (this.data.submitting) return;
    const name = this.data.name.trim();
    const idNumber = normalise(this.data.idNumber);
    const problem = verificationFormError(name, idNumber);
    if (problem) {
      this.setData({ notice: problem });
      return;
    }
    this.setData({ submitting: true, notice: '' });
    try {
      const result = await api.verify(name, idNumber);
      this.showProfile(result.profile);
      // A verified member now follows their union chain: the feed has more to show.
      state.markFeedStale();
      this.setData({ name: '', idNumber: '' });
      wx.showToast({ title: '认证成功', icon: 'success' });
    } catch (err) {
      this.setData({ notice: err.message });
    } finally {
      this.setData({ submitting: false });
    }
  },

  // detail.code exists only when the member allowed it; a refusal needs no message.
  async onPhone(e) {
    const code = e.detail && e.detail.code;
    if (!code) return;
    try {
      const result = await api.bindPhone(code);
      this.showProfile(result.profile);
      wx.showToast({ title: '手机号已绑定', icon: 'success' });
    } catch (err) {
      this.setData({ notice: err.message });
    }
  },

  goMyUnion() {
    wx.switchTab({ url: '/pages/my-union/index' });
  },
}));
