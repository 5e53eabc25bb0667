// Page methods shared by the pages that list posts (首页, 工会号主页, 我的工会): a cursor pager
// in this.pager, posts in data.posts, more on reaching the bottom, a fresh first page on
// pull-down, and the list's error in data.listError. A page mixes these into its Page({...}).
const { createPager } = require('./paging');
const { postView } = require('./format');
const config = require('../config');

const postListData = {
  posts: [],
  listLoading: false,
  listDone: false,
  listEmpty: false,
  listError: '',
};

const postListMethods = {
  startPostList(fetchPage) {
    this.pager = createPager(fetchPage);
    return this.reloadPosts();
  },

  reloadPosts() {
    return this.runPager(() => this.pager.refresh());
  },

  loadMorePosts() {
    if (!this.pager || this.pager.done || this.pager.loading) return Promise.resolve();
    return this.runPager(() => this.pager.more());
  },

  async runPager(step) {
    this.setData({ listLoading: true, listError: '' });
    try {
      await step();
      const now = new Date();
      this.setData({
        posts: this.pager.items.map((p) => postView(p, now, config.baseUrl())),
        listDone: this.pager.done,
        listEmpty: this.pager.loaded && this.pager.items.length === 0,
      });
    } catch (err) {
      this.setData({ listError: err.message });
    } finally {
      this.setData({ listLoading: false });
    }
  },

  onPullDownRefresh() {
    return this.reloadPosts().then(() => wx.stopPullDownRefresh());
  },

  onReachBottom() {
    return this.loadMorePosts();
  },

  // A promotion with a campaign opens the campaign; anything else opens the article.
  onOpenPost(e) {
    const { id, campaignId } = e.detail;
    const url = campaignId ? `/pages/campaign/index?id=${campaignId}` : `/pages/post/index?id=${id}`;
    wx.navigateTo({ url });
  },
};

module.exports = { postListData, postListMethods };
