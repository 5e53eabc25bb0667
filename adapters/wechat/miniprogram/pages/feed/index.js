// 首页 / 关注动态: the merged feed of every account the member follows, newest first, with
// shortcuts to the member's own union, to search, and to allow update messages.
const api = require('../../lib/api');
const state = require('../../lib/state');
const subscribe = require('../../lib/subscribe');
const { postListData, postListMethods } = require('../../lib/post-list');
const { withCare } = require('../../lib/care');

Page(withCare({
  ...postListMethods,

  data: { ...postListData, subscribeNote: '' },

  onLoad() {
    // This first load already has whatever made the feed stale (a verification before the
    // feed was ever opened): onShow must not load it a second time.
    state.takeFeedStale();
    return this.startPostList((cursor) => api.feed(cursor));
  },

  // Following or verifying elsewhere changes what the feed holds.
  onShow() {
    if (this.pager && state.takeFeedStale()) return this.reloadPosts();
    return undefined;
  },

  goMyUnion() {
    wx.switchTab({ url: '/pages/my-union/index' });
  },

  goSearch() {
    wx.navigateTo({ url: '/pages/search/index' });
  },

  // Each "accept" allows the hub one 订阅消息; the hub counts them.
  onSubscribe() {
    return subscribe.ask('news')
      .then((accepted) => this.setData({
        subscribeNote: accepted ? '已订阅，关注的工会号有新动态时会提醒你' : '',
      }))
      .catch((err) => wx.showToast({ title: err.message, icon: 'none' }));
  },
}));
