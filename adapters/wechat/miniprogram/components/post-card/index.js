// One post in a feed: title, summary, which account it came from, when, and tags for a
// promotion and for content pushed down from a union above. Tapping it asks the page to open it.
Component({
  properties: {
    // a post as lib/format postView makes it
    post: { type: Object, value: {} },
    // 关怀模式: a simpler card (no summary, no cover), larger type
    care: { type: Boolean, value: false },
  },
  methods: {
    onTap() {
      this.triggerEvent('open', { id: this.data.post.id, campaignId: this.data.post.campaignId });
    },
  },
});
