// Campaign texts: each outcome in words with yuan amounts, eligibility, quiz answers.
const { campaignView, outcomeText, quizAnswers, welfareView, reasonText } = require('../../lib/campaign');

test('each claim outcome reads as a sentence, amounts in yuan', () => {
  expect(outcomeText({ status: 'claimed', amount_fen: 5 }, 'red_packet')).toBe('抢到红包 0.05 元');
  expect(outcomeText({ status: 'claimed', code: 'A1B2' }, 'voucher')).toBe('领取成功，券码 A1B2');
  expect(outcomeText({ status: 'claimed', code: 'T9' }, 'ticket')).toBe('领取成功，券码 T9');
  expect(outcomeText({ status: 'claimed', seat: 12 }, 'course')).toBe('报名成功，座位 12');
  expect(outcomeText({ status: 'claimed' }, 'course')).toBe('报名成功');
  expect(outcomeText({ status: 'waitlisted', position: 4 }, 'course')).toBe('名额已满，已进入候补第 4 位');
  expect(outcomeText({ status: 'passed' }, 'quiz')).toBe('答题通过，等待开奖');
  expect(outcomeText({ status: 'won', amount_fen: 10000 }, 'quiz')).toBe('恭喜中奖，奖品价值 100.00 元');
  expect(outcomeText({ status: 'lost' }, 'quiz')).toBe('很遗憾，这次没有中奖');
  expect(outcomeText({ status: 'lost', score: 1 }, 'quiz')).toBe('答对 1 题，很遗憾这次没有中奖');
  expect(outcomeText({ status: 'passed', score: 3 }, 'quiz')).toBe('答对 3 题，答题通过，等待开奖');
  expect(outcomeText({ status: 'cancelled' }, 'course')).toBe('已取消');
  expect(outcomeText({ status: 'something_new' }, 'quiz')).toBe('状态：something_new');
});

test('a campaign the member may not join says why: the hub words (reason) first, else the code (reason_code) in words', () => {
  expect(campaignView({ kind: 'voucher', state: 'open', eligible: false, reason: '本活动仅限东莞会员', reason_code: 'not_eligible' }).reasonText)
    .toBe('本活动仅限东莞会员');
  const view = campaignView({ id: 1, kind: 'course', state: 'open', eligible: false, reason: null, reason_code: 'unverified', stock_left: 3 });
  expect(view.canClaim).toBe(false);
  expect(view.reasonText).toBe('请先完成实名认证，成为认证会员后再参加');
  expect(reasonText('本活动仅限梅州会员')).toBe('本活动仅限梅州会员');
  expect(campaignView({ kind: 'voucher', state: 'open', eligible: false, reason: null }).reasonText).toBe('暂不符合参与条件');
});

test('an open campaign the hub calls eligible can be claimed; a full course takes the waitlist', () => {
  const base = { kind: 'red_packet', eligible: true, stock_left: 10 };
  expect(campaignView({ ...base, state: 'open' }).canClaim).toBe(true);
  expect(campaignView({ ...base, state: 'closed' }).canClaim).toBe(false);
  expect(campaignView({ ...base, state: 'closed' }).stateText).toBe('已结束');
  expect(campaignView({ ...base, state: 'open', stock_left: 0 }).stockText).toBe('已领完');
  const fullCourse = campaignView({ kind: 'course', state: 'open', eligible: true, stock_left: 0 });
  expect(fullCourse.canClaim).toBe(true);
  expect(fullCourse.stockText).toBe('名额已满，可报名候补');
  expect(campaignView({ kind: 'quiz', stock_left: 5 }).stockText).toBe('奖品剩余 5 份');
});

test('a course seat or waitlist place can be cancelled, nothing else', () => {
  expect(campaignView({ kind: 'course', my_claims: [{ status: 'waitlisted', position: 1 }] }).canCancel).toBe(true);
  expect(campaignView({ kind: 'course', my_claims: [] }).canCancel).toBe(false);
  expect(campaignView({ kind: 'red_packet', my_claims: [{ status: 'claimed', amount_fen: 1 }] }).canCancel).toBe(false);
});

test('quiz answers are sent only when every question has one', () => {
  const questions = [{ id: 'q1' }, { id: 'q2' }];
  expect(quizAnswers(questions, { q1: 0 })).toBeNull();
  expect(quizAnswers(questions, { q1: 0, q2: 1 })).toEqual({ q1: 0, q2: 1 });
});

test('a welfare line survives fields it does not know and ones it misses', () => {
  const view = welfareView({ kind: 'ticket', status: 'claimed', code: 'C1', qr_url: 'https://x/qr.png', redeemed: true, new_thing: 1 });
  expect(view.title).toBe('电影票');
  expect(view.text).toBe('领取成功，券码 C1');
  expect(view.stateText).toBe('已核销');
  expect(view.qrUrl).toBe(''); // a used code is not shown to be scanned again
  expect(view.detailText).toBe('');
  expect(welfareView({ kind: 'voucher', status: 'claimed', code: 'C2', expired: true }).stateText).toBe('已过期');
  const course = welfareView({ kind: 'course', status: 'claimed', seat: 8, course_starts_at: '2026-04-01T19:30:00+08:00', place: '梅州市职工服务中心' });
  expect(course.detailText).toBe('开课时间 4月1日 19:30，梅州市职工服务中心');
});

test('giving a course place back says whether a waiting member got the seat', () => {
  const { cancelText } = require('../../lib/campaign');
  expect(cancelText(true, { status: 'cancelled', seat_passed_to_waitlist: true })).toBe('已取消报名，名额已让给候补的会员');
  expect(cancelText(true, { status: 'cancelled', seat_passed_to_waitlist: false })).toBe('已取消报名，名额已释放');
  expect(cancelText(false, { status: 'cancelled', seat_passed_to_waitlist: false })).toBe('已取消候补');
});
