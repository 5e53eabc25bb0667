// The top of a union account's page (工会号主页): its name, level, introduction, the union
// above it and the unions below it, and the follow button.
Component({
  properties: {
    // an account as lib/format accountView makes it
    account: { type: Object, value: {} },
    busy: { type: Boolean, value: false },
  },
  methods: {
    onToggle() {
      if (this.data.busy) return;
      this.triggerEvent('togglefollow', { code: this.data.account.code, followed: this.data.account.followed });
    },
    onOpen(e) {
      this.triggerEvent('open', { code: e.currentTarget.dataset.code });
    },
  },
});
