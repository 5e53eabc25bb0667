// Follow and unfollow from any page: calls the hub, tells the feed to reload, and turns the
// hub's refusal (409 for the member's own union chain) into a toast with its message.
const api = require('./api');
const state = require('./state');

// Resolves with the new followed state, or null when the hub refused (already shown).
async function toggleFollow(code, followed) {
  try {
    const result = followed ? await api.unfollow(code) : await api.follow(code);
    state.markFeedStale();
    wx.showToast({ title: result.followed ? '已关注' : '已取消关注', icon: 'none' });
    return Boolean(result.followed);
  } catch (err) {
    wx.showToast({ title: err.message, icon: 'none' });
    return null;
  }
}

module.exports = { toggleFollow };
