// A union account in a list (search results, 我的关注): logo, name and level, with a follow
// button. The member's own union chain shows 所属工会 instead, since it cannot be unfollowed.
Component({
  properties: {
    // an account as lib/format accountView makes it
    account: { type: Object, value: {} },
    busy: { type: Boolean, value: false },
  },
  methods: {
    onOpen() {
      this.triggerEvent('open', { code: this.data.account.code });
    },
    onToggle() {
      if (this.data.busy) return;
      this.triggerEvent('togglefollow', { code: this.data.account.code, followed: this.data.account.followed });
    },
  },
});
