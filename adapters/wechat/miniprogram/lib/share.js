// Sharing a post or a campaign to a chat (onShareAppMessage) or to Moments (onShareTimeline),
// with the sharer as the source: the member's opaque `share_source` from the hub rides in the
// shared path as `source`, and the page that opens it sends it back to the hub, which counts
// what members brought. The share images are designed for WeChat's 5:4 card.
const state = require('./state');

const IMAGES = {
  post: '/images/share-post.png',
  campaign: '/images/share-campaign.png',
};

function sourceParams() {
  const p = state.profile();
  return p && p.share_source ? { source: p.share_source } : {};
}

function queryString(params) {
  return Object.keys(params)
    .filter((k) => params[k] !== undefined && params[k] !== null && params[k] !== '')
    .map((k) => `${encodeURIComponent(k)}=${encodeURIComponent(params[k])}`)
    .join('&');
}

// kind: 'post' | 'campaign'; what: { id, title, imageUrl? }.
function appMessage(kind, what) {
  const query = queryString({ id: what.id, ...sourceParams() });
  return {
    title: what.title,
    path: `/pages/${kind}/index?${query}`,
    imageUrl: what.imageUrl || IMAGES[kind],
  };
}

function timeline(kind, what) {
  return {
    title: what.title,
    query: queryString({ id: what.id, ...sourceParams() }),
    imageUrl: what.imageUrl || IMAGES[kind],
  };
}

// Moments sharing is off until a page asks for it.
function enable() {
  if (wx.showShareMenu) wx.showShareMenu({ withShareTicket: false, menus: ['shareAppMessage', 'shareTimeline'] });
}

module.exports = { IMAGES, appMessage, timeline, enable };
