// 本地服务 (the links a union and the unions above it offer on its page): where a tap goes.
// A web link opens in the web-view page (https only, as the hub checks); a mini-program path
// opens in this mini-program, or in another one when the link names its appid.
const ICONS = {
  legal: '⚖', books: '📚', help: '🤝', jobs: '💼', health: '✚', training: '🎓',
  tickets: '🎫', childcare: '🧸', home: '🏠', service: '☎',
};

function serviceView(link) {
  return { ...link, glyph: ICONS[link.icon] || ICONS.service };
}

function openService(link) {
  if (link.kind === 'web' && link.url) {
    wx.navigateTo({ url: `/pages/web/index?url=${encodeURIComponent(link.url)}&title=${encodeURIComponent(link.name)}` });
  } else if (link.kind === 'miniprogram' && link.appid) {
    wx.navigateToMiniProgram({ appId: link.appid, path: link.path || '' });
  } else if (link.kind === 'miniprogram' && link.path) {
    wx.navigateTo({ url: link.path.startsWith('/') ? link.path : `/${link.path}` });
  }
}

module.exports = { serviceView, openService };
