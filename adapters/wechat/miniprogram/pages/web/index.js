// A local service's web page (本地服务), in a web-view. The hub takes only https links, and
// WeChat opens only the business domains the mini-program has registered.
Page({
  data: { url: '' },

  onLoad(query) {
    const url = decodeURIComponent(query.url || '');
    if (url.startsWith('https://')) this.setData({ url });
    if (query.title) wx.setNavigationBarTitle({ title: decodeURIComponent(query.title) });
  },
});
