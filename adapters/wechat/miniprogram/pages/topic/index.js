// 专题: one topic of a union account, its summary and the posts the union put in it, in the
// order the union chose.
const api = require('../../lib/api');
const { postView } = require('../../lib/format');
const { postListMethods } = require('../../lib/post-list');
const { withCare } = require('../../lib/care');
const config = require('../../config');

Page(withCare({
  onOpenPost: postListMethods.onOpenPost,

  data: { topic: null, posts: [], error: '', loading: true },

  async onLoad(query) {
    try {
      const topic = await api.topic(query.code, query.id);
      const now = new Date();
      this.setData({
        topic,
        posts: topic.items.map((p) => postView(p, now, config.baseUrl())),
        error: '',
      });
      wx.setNavigationBarTitle({ title: topic.title });
    } catch (err) {
      this.setData({ error: err.message });
    } finally {
      this.setData({ loading: false });
    }
  },
}));
