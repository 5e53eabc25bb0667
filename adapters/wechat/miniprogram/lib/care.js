// 关怀模式 (care mode, after China's 适老化 rules for apps and mini-programs): larger type,
// higher contrast, bigger tap targets and simpler lists. Switched in 我的 and remembered in
// storage; every page wraps its content in a view whose class carries `care`, and reads the
// switch whenever it shows, so a change in 我的 holds on every page the member goes back to.
const KEY = 'care_mode';

function isOn() {
  return Boolean(wx.getStorageSync(KEY));
}

function setOn(on) {
  if (on) wx.setStorageSync(KEY, true);
  else wx.removeStorageSync(KEY);
}

// Page options with `care` in data, set before the page's own onLoad and onShow run.
function withCare(options) {
  const { onLoad, onShow } = options;
  return {
    ...options,
    data: { ...(options.data || {}), care: false },
    onLoad(query) {
      this.setData({ care: isOn() });
      return onLoad ? onLoad.call(this, query) : undefined;
    },
    onShow() {
      if (this.data.care !== isOn()) this.setData({ care: isOn() });
      return onShow ? onShow.call(this) : undefined;
    },
  };
}

module.exports = { KEY, isOn, setOn, withCare };
