// 活动: claiming a red packet, a voucher, a course seat and a quiz draw against a fake hub:
// amounts in yuan, one request_id per tap reused on retry, the hub's refusals shown.
const { openPage, text, tap } = require('../helpers/simulate');
const { signedInHub, campaignFor, claimAnswer } = require('../helpers/fake-wx');

let hub;
beforeEach(() => {
  hub = signedInHub();
});
afterEach(() => {
  expect(hub.unexpected).toEqual([]);
});

// budget_fen and something_new: the hub sends more than the page reads (CampaignOut allows
// extra fields), and the page ignores what it does not know.
const campaign = (extra = {}) => campaignFor({ budget_fen: 1000000, something_new: { ignored: true }, ...extra });

test('shows the campaign and a red packet claimed in yuan', async () => {
  hub
    .on('GET', '/mp/v1/campaigns/7', [
      { body: campaign() },
      { body: campaign({ stock_left: 1998, my_claims: [{ ...claimAnswer(7, 'red_packet'), amount_fen: 523 }] }) },
    ])
    .on('POST', '/mp/v1/campaigns/7/claim', (req) => {
      expect(req.headers.Authorization).toBe('Member t-1');
      expect(Object.keys(req.body)).toEqual(['request_id']);
      expect(req.body.request_id).toMatch(/^[0-9a-f]+-[0-9a-f]{8}-[0-9a-f]{8}$/);
      return { body: claimAnswer(7, 'red_packet', { amount_fen: 523 }) };
    });

  const page = await openPage('pages/campaign/index', { id: '7' });
  expect(text(page)).toContain('东莞职工红包雨');
  expect(text(page)).toContain('东莞市总工会');
  expect(text(page)).toContain('3月5日 10:00 至 3月5日 12:00');
  expect(text(page)).toContain('剩余 1999 份');
  expect(text(page)).toContain('抢红包');

  await tap(page, '.claim');

  expect(text(page)).toContain('抢到红包 5.23 元');
  expect(text(page)).toContain('剩余 1998 份');
  expect(text(page)).toContain('我的领取');
});

test('a claim that got no answer is retried with the same request_id, on the next tap too', async () => {
  hub
    .on('GET', '/mp/v1/campaigns/7', { body: campaign() })
    .on('POST', '/mp/v1/campaigns/7/claim', [{ offline: true }, { offline: true }, { body: claimAnswer(7, 'red_packet', { amount_fen: 100 }) }]);

  const page = await openPage('pages/campaign/index', { id: '7' });
  await tap(page, '.claim');
  expect(text(page)).toContain('网络不给力，请稍后重试');
  expect(text(page)).toContain('重试');

  await tap(page, '.claim');
  expect(text(page)).toContain('抢到红包 1.00 元');

  const ids = hub.callsTo('POST', '/mp/v1/campaigns/7/claim').map((r) => r.body.request_id);
  expect(ids).toHaveLength(3);
  expect(new Set(ids).size).toBe(1);
});

test('after an answer, the next tap is a new claim with a new request_id', async () => {
  hub
    .on('GET', '/mp/v1/campaigns/7', { body: campaign({ kind: 'voucher', title: '观影优惠券', stock_left: 50 }) })
    .on('POST', '/mp/v1/campaigns/7/claim', [
      { status: 409, body: { error: 'already_claimed', message: '你已参加过本活动' } },
      { status: 409, body: { error: 'already_claimed', message: '你已参加过本活动' } },
    ]);

  const page = await openPage('pages/campaign/index', { id: '7' });
  expect(text(page)).toContain('领取优惠券');
  await tap(page, '.claim');
  expect(text(page)).toContain('你已参加过本活动');
  await tap(page, '.claim');

  const ids = hub.callsTo('POST', '/mp/v1/campaigns/7/claim').map((r) => r.body.request_id);
  expect(ids).toHaveLength(2); // a 409 is an answer: not resent by itself
  expect(ids[0]).not.toBe(ids[1]);
});

test('a voucher shows its code and QR code', async () => {
  hub
    .on('GET', '/mp/v1/campaigns/9', { body: campaign({ id: 9, kind: 'voucher', title: '观影优惠券', face_value_fen: 3000 }) })
    .on('POST', '/mp/v1/campaigns/9/claim', { body: claimAnswer(9, 'voucher', { code: 'DG8K2Q', qr_url: 'https://hub.example.cn/qr/DG8K2Q.png' }) });

  const page = await openPage('pages/campaign/index', { id: '9' });
  expect(text(page)).toContain('面值 30.00 元');
  await tap(page, '.claim');
  expect(text(page)).toContain('领取成功，券码 DG8K2Q');
  expect(page.querySelector('.result .qr')).toBeTruthy();
});

test('a member who may not take part sees why and no claim button', async () => {
  hub.on('GET', '/mp/v1/campaigns/7', {
    body: campaign({ eligible: false, reason: '本活动仅限东莞市各级工会的认证会员参加', reason_code: 'not_eligible' }),
  });
  const page = await openPage('pages/campaign/index', { id: '7' });
  expect(text(page)).toContain('本活动仅限东莞市各级工会的认证会员参加');
  expect(page.querySelector('.claim')).toBeFalsy();
});

test('a sold-out campaign says so and offers no claim', async () => {
  hub.on('GET', '/mp/v1/campaigns/7', {
    body: campaign({ stock_left: 0, eligible: false, reason: '已被领完', reason_code: 'sold_out' }),
  });
  const page = await openPage('pages/campaign/index', { id: '7' });
  expect(text(page)).toContain('已领完');
  expect(text(page)).toContain('已被领完');
  expect(page.querySelector('.claim')).toBeFalsy();
});

test('a used voucher in 我的领取 is marked and its QR code no longer shown', async () => {
  hub.on('GET', '/mp/v1/campaigns/9', {
    body: campaign({
      id: 9, kind: 'voucher', eligible: false, reason: '你已参加过本活动', reason_code: 'already_claimed',
      my_claims: [{ ...claimAnswer(9, 'voucher'), code: 'DG8K-2Q', qr_url: 'https://hub.example.cn/mp/v1/codes/DG8K2Q/qr.png', redeemed: true }],
    }),
  });
  const page = await openPage('pages/campaign/index', { id: '9' });
  expect(text(page)).toContain('领取成功，券码 DG8K-2Q（已核销）');
  expect(text(page)).toContain('你已参加过本活动');
  expect(page.querySelector('.claim-line .qr')).toBeFalsy();
});

test('a full course puts the member on the waitlist, and the place can be given up', async () => {
  const course = campaign({ id: 11, kind: 'course', title: '职工电工技能公益课', stock_left: 0, place: '梅州市职工服务中心' });
  hub
    .on('GET', '/mp/v1/campaigns/11', [
      { body: course },
      { body: { ...course, my_claims: [claimAnswer(11, 'course', { status: 'waitlisted', position: 3 })] } },
      { body: { ...course, my_claims: [] } },
    ])
    .on('POST', '/mp/v1/campaigns/11/claim', { body: claimAnswer(11, 'course', { status: 'waitlisted', position: 3 }) })
    .on('POST', '/mp/v1/campaigns/11/cancel', (req) => {
      expect(req.headers.Authorization).toBe('Member t-1');
      return { body: { status: 'cancelled', claim_id: 1, campaign_id: 11, seat_passed_to_waitlist: false } };
    });

  const page = await openPage('pages/campaign/index', { id: '11' });
  expect(text(page)).toContain('名额已满，可报名候补');
  expect(text(page)).toContain('抢报名额');
  expect(text(page)).toContain('梅州市职工服务中心');
  await tap(page, '.claim');
  expect(text(page)).toContain('名额已满，已进入候补第 3 位');

  await tap(page, '.cancel');
  expect(text(page)).toContain('已取消候补'); // a waitlist place, not a seat, was given up
  expect(hub.callsTo('POST', '/mp/v1/campaigns/11/cancel')).toHaveLength(1);
});

test('taking a course seat asks, from the tap, for a reminder before the course', async () => {
  const course = campaign({ id: 12, kind: 'course', title: '焊工公益培训', stock_left: 5 });
  hub
    .on('GET', '/mp/v1/campaigns/12', [{ body: course }, { body: course }])
    .on('POST', '/mp/v1/campaigns/12/claim', { body: claimAnswer(12, 'course', { seat: 4 }) })
    .on('POST', '/mp/v1/subscriptions', (req) => {
      expect(req.body).toEqual({ template: 'course_reminder', accepted: 1 });
      return { body: { template: 'course_reminder', allowances: 1 } };
    });
  hub.subscribeAnswer = 'accept';
  const page = await openPage('pages/campaign/index', { id: '12' });
  await tap(page, '.claim');
  expect(hub.subscribeAsked).toEqual(['hub-course-reminder']);
  expect(hub.callsTo('POST', '/mp/v1/subscriptions')).toHaveLength(1);
  expect(hub.callsTo('POST', '/mp/v1/campaigns/12/claim')).toHaveLength(1);
});

test('a quiz sends the chosen answers and needs every question answered', async () => {
  const quiz = campaign({
    id: 12,
    kind: 'quiz',
    title: '工会法知识竞答',
    questions: [
      { id: 'q1', text: '《工会法》规定的基层工会委员会每届任期是？', choices: ['一至二年', '三至五年'] },
      { id: 'q2', text: '职工加入工会需要缴纳会费吗？', choices: ['需要', '不需要'] },
    ],
  });
  hub
    .on('GET', '/mp/v1/campaigns/12', { body: quiz })
    .on('POST', '/mp/v1/campaigns/12/claim', (req) => {
      expect(req.body.answers).toEqual({ q1: 1, q2: 0 });
      return { body: claimAnswer(12, 'quiz', { status: 'won', amount_fen: 2000 }) };
    });

  const page = await openPage('pages/campaign/index', { id: '12' });
  expect(text(page)).toContain('《工会法》规定的基层工会委员会每届任期是？');
  expect(text(page)).toContain('提交答案');

  await tap(page, '.choice', { index: 1 }); // q1: 三至五年
  await tap(page, '.claim');
  expect(text(page)).toContain('请先答完全部题目');
  expect(hub.callsTo('POST', '/mp/v1/campaigns/12/claim')).toHaveLength(0);

  await tap(page, '.choice', { index: 2 }); // q2: 需要
  await tap(page, '.claim');
  expect(text(page)).toContain('恭喜中奖，奖品价值 20.00 元');
});

test('a campaign that cannot be loaded shows the hub message', async () => {
  hub.on('GET', '/mp/v1/campaigns/404', { status: 404, body: { error: 'not_found', message: '活动不存在或已下线' } });
  const page = await openPage('pages/campaign/index', { id: '404' });
  expect(text(page)).toContain('活动不存在或已下线');
});

test('a 地推 code opens the campaign from its scene and tells the hub its source once', async () => {
  const seen = [];
  hub.on('GET', '/mp/v1/campaigns/7', (req) => {
    seen.push(req.query);
    return { body: campaign() };
  }).on('POST', '/mp/v1/campaigns/7/claim', { body: claimAnswer(7, 'red_packet', { amount_fen: 100 }) });

  // As WeChat hands a mini-program code's scene to the page: URI-encoded.
  const page = await openPage('pages/campaign/index', { scene: encodeURIComponent('id=7&src=dt-3') });
  expect(text(page)).toContain('东莞职工红包雨');
  await tap(page, '.claim');

  expect(seen[0]).toEqual({ src: 'dt-3' });
  expect(seen[1]).toEqual({}); // reloaded after the claim: the source was told already
});

test('an outlet link names its source to the hub', async () => {
  hub.on('GET', '/mp/v1/campaigns/7', (req) => {
    expect(req.query).toEqual({ src: 'wechat' });
    return { body: campaign() };
  });
  await openPage('pages/campaign/index', { id: '7', src: 'wechat' });
});
