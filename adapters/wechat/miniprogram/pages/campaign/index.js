// 活动: one campaign (red packet, voucher, cinema ticket, course seat, quiz) with its window,
// stock and the member's eligibility, and the claim itself. Each tap on the claim button
// gets one request_id; a tap after a claim that got no answer reuses it, so the hub answers
// with the first outcome instead of counting a second claim.
const api = require('../../lib/api');
const subscribe = require('../../lib/subscribe');
const share = require('../../lib/share');
const { requestId } = require('../../lib/ids');
const { campaignView, outcomeText, quizAnswers, cancelText } = require('../../lib/campaign');
const { withCare } = require('../../lib/care');
const { landingQuery } = require('../../lib/source');

Page(withCare({
  data: {
    campaign: null,
    chosen: {},
    claiming: false,
    result: '',
    resultQr: '',
    notice: '',
    retryLabel: '',
    error: '',
  },

  onLoad(options) {
    const query = landingQuery(options); // a 地推 code's scan carries its query as a scene
    this.id = query.id;
    this.source = query.source; // who shared the link that opened this page
    this.src = query.src; // the outlet or 地推 code that brought the member: told once
    this.pendingRequestId = null;
    share.enable();
    return this.load();
  },

  async load() {
    try {
      const campaign = await api.campaign(this.id, this.source, this.src);
      this.src = undefined;
      this.setData({ campaign: campaignView(campaign), error: '' });
    } catch (err) {
      this.setData({ error: err.message });
    }
  },

  onChoose(e) {
    const { question, choice } = e.currentTarget.dataset;
    this.setData({ [`chosen.${question}`]: Number(choice), notice: '' });
  },

  async onClaim() {
    if (this.data.claiming) return;
    const campaign = this.data.campaign;
    // A seat comes with a reminder before the course, if the member allows it; WeChat
    // shows that prompt only from the tap itself, so it is asked here, not after the claim.
    if (campaign.kind === 'course') subscribe.ask('course_reminder').catch(() => false);
    const body = {};
    if (campaign.kind === 'quiz') {
      const answers = quizAnswers(campaign.questions, this.data.chosen);
      if (!answers) {
        this.setData({ notice: '请先答完全部题目' });
        return;
      }
      body.answers = answers;
    }
    this.pendingRequestId = this.pendingRequestId || requestId();
    body.request_id = this.pendingRequestId;
    this.setData({ claiming: true, notice: '' });
    try {
      const result = await api.claim(this.id, body);
      this.pendingRequestId = null;
      this.setData({ result: outcomeText(result, campaign.kind), resultQr: result.qr_url || '', retryLabel: '' });
      await this.load(); // stock and 我的领取 changed
    } catch (err) {
      // Without an answer the claim may have been taken: keep its id for the next tap.
      if (!err.retryable) this.pendingRequestId = null;
      this.setData({ notice: err.message, retryLabel: err.retryable ? '重试' : '' });
    } finally {
      this.setData({ claiming: false });
    }
  },

  async onCancel() {
    const hadSeat = this.data.campaign.claims.some((c) => c.status === 'claimed');
    try {
      const answer = await api.cancelClaim(this.id);
      this.setData({ result: cancelText(hadSeat, answer), resultQr: '', notice: '' });
      await this.load();
    } catch (err) {
      this.setData({ notice: err.message });
    }
  },

  shareWhat() {
    const campaign = this.data.campaign || {};
    return { id: this.id, title: campaign.title ? `${campaign.kindLabel}｜${campaign.title}` : '粤工惠会员福利' };
  },

  onShareAppMessage() {
    return share.appMessage('campaign', this.shareWhat());
  },

  onShareTimeline() {
    return share.timeline('campaign', this.shareWhat());
  },

  openAccount() {
    wx.navigateTo({ url: `/pages/account/index?code=${this.data.campaign.accountCode}` });
  },
}));
