// Campaigns as the promotion page shows them: labels per kind, the window and stock in
// words, what the member already got, and a sentence for each claim outcome. Pure: the
// page feeds it the hub's JSON and renders what comes back.

const { yuan, dateTime } = require('./format');

const KINDS = {
  red_packet: { label: '红包', action: '抢红包' },
  voucher: { label: '优惠券', action: '领取优惠券' },
  ticket: { label: '电影票', action: '抢票' },
  course: { label: '公益课程', action: '抢报名额' },
  quiz: { label: '答题抽奖', action: '提交答案' },
};

const STATES = { draft: '未发布', open: '进行中', closed: '已结束' };

// A refusal comes from the hub as `reason` (the Chinese sentence to show) and `reason_code`
// (for the page's logic); these words stand in only when a hub sent the code alone.
const REASONS = {
  unverified: '请先完成实名认证，成为认证会员后再参加',
  not_eligible: '本活动仅限指定地区工会的会员参加',
  not_started: '活动尚未开始',
  ended: '活动已结束',
  not_open: '活动未开放',
  sold_out: '已被领完',
  already_claimed: '你已参加过本活动',
};

function kindOf(kind) {
  return KINDS[kind] || { label: '福利', action: '立即参与' };
}

function reasonText(reason, reasonCode) {
  if (reason) return String(reason);
  return (reasonCode && REASONS[reasonCode]) || '';
}

// One sentence for a claim outcome, fresh from the claim call or from my_claims.
function outcomeText(result, kind) {
  const r = result || {};
  switch (r.status) {
    case 'claimed':
      if (kind === 'red_packet' && r.amount_fen != null) return `抢到红包 ${yuan(r.amount_fen)} 元`;
      if (kind === 'course') return r.seat ? `报名成功，座位 ${r.seat}` : '报名成功';
      if (r.code) return `领取成功，券码 ${r.code}`;
      return '领取成功';
    case 'won':
      if (r.amount_fen != null) return `恭喜中奖，奖品价值 ${yuan(r.amount_fen)} 元`;
      return r.code ? `恭喜中奖，券码 ${r.code}` : '恭喜中奖';
    case 'lost':
      return r.score != null ? `答对 ${r.score} 题，很遗憾这次没有中奖` : '很遗憾，这次没有中奖';
    case 'waitlisted':
      return r.position ? `名额已满，已进入候补第 ${r.position} 位` : '名额已满，已进入候补';
    case 'passed':
      return r.score != null ? `答对 ${r.score} 题，答题通过，等待开奖` : '答题通过，等待开奖';
    case 'cancelled':
      return '已取消';
    default:
      return r.status ? `状态：${r.status}` : '';
  }
}

// What the member can undo: a course seat or a waitlist place.
function canCancel(kind, claims) {
  return kind === 'course' && claims.some((c) => c.status === 'claimed' || c.status === 'waitlisted');
}

function stockText(kind, left) {
  if (typeof left !== 'number') return '';
  if (kind === 'course') return left > 0 ? `剩余 ${left} 个名额` : '名额已满，可报名候补';
  if (kind === 'quiz') return `奖品剩余 ${Math.max(left, 0)} 份`;
  return left > 0 ? `剩余 ${left} 份` : '已领完';
}

function campaignView(c) {
  const kind = kindOf(c.kind);
  const claims = (c.my_claims || []).map((claim) => ({
    text: outcomeText(claim, c.kind) + (claim.redeemed ? '（已核销）' : ''),
    // A used or cancelled code is no longer shown to be scanned.
    qrUrl: claim.redeemed || claim.status === 'cancelled' ? '' : claim.qr_url || '',
    status: claim.status,
  }));
  return {
    id: c.id,
    kind: c.kind,
    kindLabel: kind.label,
    actionLabel: kind.action,
    title: c.title || '',
    description: c.description || '',
    accountCode: (c.account && c.account.code) || '',
    accountName: (c.account && c.account.name) || '',
    stateText: STATES[c.state] || '',
    periodText: c.starts_at && c.ends_at ? `${dateTime(c.starts_at)} 至 ${dateTime(c.ends_at)}` : '',
    stockText: stockText(c.kind, c.stock_left),
    faceValueText: c.face_value_fen ? `面值 ${yuan(c.face_value_fen)} 元` : '',
    place: c.place || '',
    eligible: Boolean(c.eligible),
    reasonText: c.eligible ? '' : reasonText(c.reason, c.reason_code) || '暂不符合参与条件',
    // The hub folds sold out, already claimed and the window into `eligible`; a full
    // course still takes waitlist places, so stock alone does not close the button.
    canClaim: Boolean(c.eligible) && c.state === 'open',
    canCancel: canCancel(c.kind, c.my_claims || []),
    claims,
    questions: (c.questions || []).map((q) => ({
      id: String(q.id),
      text: q.text,
      choices: (q.choices || []).map((label, index) => ({ index, label })),
    })),
  };
}

// Quiz answers as the hub takes them: {question id: choice index}. Returns null while a
// question is still open, so the page can say so instead of sending half a quiz.
function quizAnswers(questions, chosen) {
  const answers = {};
  for (const q of questions) {
    if (chosen[q.id] === undefined) return null;
    answers[q.id] = chosen[q.id];
  }
  return answers;
}

// What giving a course place back did: the hub says whether a waiting member got the seat.
function cancelText(hadSeat, answer) {
  if (!hadSeat) return '已取消候补';
  return answer && answer.seat_passed_to_waitlist
    ? '已取消报名，名额已让给候补的会员'
    : '已取消报名，名额已释放';
}

module.exports = { kindOf, reasonText, outcomeText, campaignView, quizAnswers, cancelText };

// One line of 我的福利: what it is, what the member got, until when it is good.
function welfareView(item) {
  const kind = kindOf(item.kind);
  const until = item.valid_until ? dateTime(item.valid_until) : '';
  let state = '';
  if (item.redeemed || item.redeemed_at) state = '已核销';
  else if (item.expired) state = '已过期';
  const courseText = item.course_starts_at
    ? `开课时间 ${dateTime(item.course_starts_at)}${item.place ? `，${item.place}` : ''}`
    : '';
  return {
    key: String(item.claim_id || `${item.campaign_id}-${item.code || item.claimed_at || ''}`),
    campaignId: item.campaign_id || null,
    title: item.title || kind.label,
    kindLabel: kind.label,
    text: outcomeText(item, item.kind),
    detailText: courseText || (until ? `有效期至 ${until}` : ''),
    stateText: state,
    qrUrl: state ? '' : item.qr_url || '',
  };
}

module.exports.welfareView = welfareView;
