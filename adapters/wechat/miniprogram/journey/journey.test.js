// The member's journey against a live hub (started by tests/mp/test_mp_journey.py, which
// writes what it set up to JOURNEY_FACTS): the real pages, lib/ and components, rendered by
// miniprogram-simulate, with wx.request over real HTTP and wx.login codes from the WeChat
// sandbox. Each step asserts what the page shows. The tests run in order, as one member's
// day (and a second member's, and the first member's new phone).
const fs = require('fs');
const { openPage, text, tap, type } = require('../tests/helpers/simulate');
const { createRealWx, httpJson } = require('./real-wx');
const care = require('../lib/care');

const facts = JSON.parse(fs.readFileSync(process.env.JOURNEY_FACTS, 'utf8'));
const rt = createRealWx(facts).install();
const phones = {}; // name -> {openid, storage}: the members' phones

function usePhone(name) {
  if (phones[rt.current]) phones[rt.current].storage = rt.storage;
  if (!phones[name]) {
    rt.switchUser(`journey-${name}-${facts.run}`);
    if (facts.care) care.setOn(true); // switched on in 我的 on each phone
    phones[name] = { openid: rt.openid, storage: rt.storage };
  } else {
    rt.openid = phones[name].openid;
    rt.storage = phones[name].storage;
  }
  rt.current = name;
}

// Opens a page as WeChat does (onLoad, onShow) and waits for the hub's answers; every page
// is in 关怀模式 exactly when the run is.
async function open(path, query = {}) {
  const page = await openPage(path, query);
  await rt.idle();
  expect(Boolean(page.querySelector('.care'))).toBe(facts.care);
  return page;
}

async function press(page, selector, options) {
  await tap(page, selector, options);
  await rt.idle();
}

async function fill(page, selector, value, options) {
  await type(page, selector, value, options);
  await rt.idle();
}

async function verify(page, name, idNumber) {
  await fill(page, '.name', name);
  await fill(page, '.id-number', idNumber);
  await press(page, '.submit');
}

const campaignPath = (id) => `/mp/v1/campaigns/${id}`;

beforeAll(() => usePhone('a'));

test('launch signs the member in with a sandbox wx.login code', async () => {
  let app;
  global.App = (options) => {
    app = options;
  };
  require('../app');
  app.onLaunch();
  await rt.idle();
  expect(rt.storage.member_token).toBeTruthy();
  expect(rt.callsTo('POST', '/mp/v1/session')).toHaveLength(1);
});

test('我的 and 我的工会 offer 实名认证 to a member not yet verified', async () => {
  const me = await open('pages/me/index');
  expect(text(me)).toContain('未实名认证');
  const union = await open('pages/my-union/index');
  expect(text(union)).toContain('完成实名认证后即可直达所属工会');
  expect(text(union)).toContain('去实名认证');
});

test('verification refuses a wrong pair in plain words, then verifies the member', async () => {
  const page = await open('pages/verification/index');
  await verify(page, facts.member.name, facts.newcomer.id_number);
  expect(text(page)).toContain('实名信息与会员名册不一致');
  expect(text(page)).toContain('授权手机号');
  await verify(page, facts.member.name, facts.member.id_number);
  expect(text(page)).toContain('已完成实名认证');
  expect(text(page)).toContain(facts.member.name_masked);
});

test('search says plainly when the words are too long, and follows 大埔', async () => {
  const page = await open('pages/search/index');
  await fill(page, '.search', '广东省'.repeat(11), { confirm: true });
  expect(text(page)).toContain('搜索词请输入 1 到 30 个字');
  expect(text(page)).not.toContain('不合要求');
  await fill(page, '.search', '大埔', { confirm: true });
  expect(text(page)).toContain('大埔县总工会');
  await press(page, '.result', { index: 0, inner: ['.follow', '.t-button'] });
  expect(text(page)).toContain('已关注');
  expect(rt.toasts).toContain('已关注');
});

test('the feed loads once on its first open after verification, then pages to the end', async () => {
  const before = rt.callsTo('GET', '/mp/v1/feed').length;
  const page = await open('pages/feed/index');
  expect(rt.callsTo('GET', '/mp/v1/feed').length - before).toBe(1);
  expect(text(page)).toContain('虎门镇工会动态第21期');
  if (facts.care) expect(page.querySelectorAll('.summary')).toHaveLength(0); // simpler cards
  for (let n = 0; n < 10 && !page.instance.data.listDone; n += 1) {
    await page.instance.onReachBottom();
    await rt.idle();
  }
  expect(text(page)).toContain('梅州市总工会春风行动'); // pushed down to 大埔 from above
  expect(text(page)).toContain('上级推送');
  expect(text(page)).toContain('没有更多了');
  const ids = page.instance.data.posts.map((p) => p.id);
  expect(new Set(ids).size).toBe(ids.length);
});

test('我的工会 opens the member\'s union with the way up its chain', async () => {
  const page = await open('pages/my-union/index');
  expect(text(page)).toContain('上级：虎门镇总工会');
  expect(text(page)).toContain('所属工会');
});

test('a post pushed from above says so, and is shared with the member as its source', async () => {
  const page = await open('pages/post/index', { id: String(facts.pushedPost) });
  expect(text(page)).toContain('梅州市总工会春风行动');
  expect(text(page)).toContain('上级推送');
  expect(rt.shareMenu).toEqual(['shareAppMessage', 'shareTimeline']);
  const source = rt.storage.member_profile.share_source;
  expect(source).toBeTruthy();
  const message = page.instance.onShareAppMessage();
  expect(message.path).toBe(`/pages/post/index?id=${facts.pushedPost}&source=${encodeURIComponent(source)}`);
  expect(message.imageUrl).toBe('/images/share-post.png');
  expect(fs.existsSync(`${__dirname}/..${message.imageUrl}`)).toBe(true);
  expect(page.instance.onShareTimeline().query).toBe(`id=${facts.pushedPost}&source=${encodeURIComponent(source)}`);
  phones.a.shared = { post: message, source };
});

test('a red packet whose answers were lost is claimed once, with one request id', async () => {
  const path = `${campaignPath(facts.red_packet)}/claim`;
  const page = await open('pages/campaign/index', { id: String(facts.red_packet) });
  expect(text(page)).toContain('抢红包');
  rt.loseNextAnswer(/\/claim$/, 2); // the tap and its automatic resend both lose their answer
  await press(page, '.claim');
  expect(text(page)).toContain('网络不给力，请稍后重试');
  expect(text(page)).toContain('重试');
  await press(page, '.claim');
  expect(text(page)).toMatch(/抢到红包 \d+\.\d{2} 元/);
  const ids = rt.callsTo('POST', path).map((r) => r.body.request_id);
  expect(ids).toHaveLength(3);
  expect(new Set(ids).size).toBe(1);
  expect(page.querySelectorAll('.claim-line')).toHaveLength(1); // the hub counted one claim
  expect(text(page)).toContain('你已参加过本活动');
});

test('a cinema ticket comes with its code and a QR image the hub serves', async () => {
  const page = await open('pages/campaign/index', { id: String(facts.ticket) });
  await press(page, '.claim');
  expect(text(page)).toMatch(/领取成功，券码 [0-9A-Z]+/);
  const qrUrl = page.instance.data.resultQr;
  expect(qrUrl).toMatch(/\/mp\/v1\/codes\/[0-9A-Z]+\/qr\.png$/);
  const image = await httpJson('GET', qrUrl);
  expect(image.statusCode).toBe(200);
  expect(image.header['content-type']).toBe('image/png');
  expect(image.raw.subarray(1, 4).toString()).toBe('PNG');
  expect(page.querySelector('.result .qr')).toBeTruthy();
});

test('a quiz needs every answer and pays out when passed', async () => {
  const page = await open('pages/campaign/index', { id: String(facts.quiz) });
  expect(text(page)).toContain('国际劳动节是哪一天？');
  await press(page, '.claim');
  expect(text(page)).toContain('请先答完全部题目');
  await press(page, '.choice', { index: facts.quizRight.day });
  await press(page, '.choice', { index: 2 + facts.quizRight.fee });
  await press(page, '.claim');
  expect(text(page)).toContain('恭喜中奖');
});

test('a course seat: taken, a second member waits, cancelled with and without a waitlist', async () => {
  const id = String(facts.course);
  let page = await open('pages/campaign/index', { id });
  expect(text(page)).toContain('剩余 1 个名额');
  await press(page, '.claim');
  expect(text(page)).toContain('报名成功，座位 1');

  usePhone('b');
  const verifying = await open('pages/verification/index');
  await verify(verifying, facts.newcomer.name, facts.newcomer.id_number);
  expect(text(verifying)).toContain('已完成实名认证');
  page = await open('pages/campaign/index', { id });
  expect(text(page)).toContain('名额已满，可报名候补');
  await press(page, '.claim');
  expect(text(page)).toContain('名额已满，已进入候补第 1 位');

  usePhone('a');
  page = await open('pages/campaign/index', { id });
  await press(page, '.cancel');
  expect(text(page)).toContain('已取消报名，名额已让给候补的会员');

  usePhone('b');
  page = await open('pages/campaign/index', { id });
  expect(text(page)).toContain('报名成功，座位 1'); // the seat came to the waiting member
  await press(page, '.cancel');
  expect(text(page)).toContain('已取消报名，名额已释放');
  expect(text(page)).not.toContain('让给候补');
});

test('another member opens the shared post: the sharer travels as source', async () => {
  const { source } = phones.a.shared;
  const page = await open('pages/post/index', { id: String(facts.pushedPost), source });
  expect(text(page)).toContain('梅州市总工会春风行动');
  const sent = rt.callsTo('GET', `/mp/v1/posts/${facts.pushedPost}`).pop();
  expect(sent.query.source).toBe(source);
});

test('我的福利 lists what the member got; a member with nothing is told where to look', async () => {
  const empty = await open('pages/welfare/index'); // member b gave the seat back
  expect(text(empty)).toContain('还没有领取过福利');
  usePhone('a');
  const page = await open('pages/welfare/index');
  expect(text(page)).toMatch(/抢到红包 \d+\.\d{2} 元/);
  expect(text(page)).toMatch(/领取成功，券码 [0-9A-Z]+/);
  expect(text(page)).toContain('恭喜中奖');
  expect(page.querySelectorAll('.qr').length).toBeGreaterThanOrEqual(1);
});

test('a token the hub no longer takes is replaced by signing in again, unseen', async () => {
  rt.storage.member_token = 'not-a-token';
  const sessions = rt.callsTo('POST', '/mp/v1/session').length;
  const page = await open('pages/me/index');
  expect(text(page)).toContain('已实名认证');
  expect(rt.callsTo('POST', '/mp/v1/session').length).toBe(sessions + 1);
  expect(rt.storage.member_token).not.toBe('not-a-token');
});

test('without a network the feed says so, and 重试 loads it once the network is back', async () => {
  rt.offline = true;
  const page = await open('pages/feed/index');
  expect(text(page)).toContain('网络不给力，请稍后重试');
  rt.offline = false;
  await press(page, '.retry');
  expect(text(page)).not.toContain('网络不给力');
  expect(text(page)).toContain('虎门镇工会动态第21期');
});

test('关怀模式 is switched in 我的 and remembered on every page', async () => {
  const me = await open('pages/me/index');
  await me.instance.onCare({ detail: { value: !facts.care } });
  expect(Boolean(me.querySelector('.care'))).toBe(!facts.care);
  expect(care.isOn()).toBe(!facts.care);
  const feed = await openPage('pages/feed/index');
  await rt.idle();
  expect(Boolean(feed.querySelector('.care'))).toBe(!facts.care);
  await me.instance.onCare({ detail: { value: facts.care } }); // back as the run began
  expect(care.isOn()).toBe(facts.care);
});

test('换绑: on a new WeChat account the member rebinds with the phone number WeChat gives', async () => {
  usePhone('a-new-phone');
  const page = await open('pages/verification/index');
  await verify(page, facts.member.name, facts.member.id_number);
  expect(text(page)).toContain('实名信息与会员名册不一致，或已绑定其他微信号');
  const codes = await rt.sandboxCodes(facts.member.mobile);
  await page.instance.onPhone({ detail: { code: codes.phone_code } });
  await rt.idle();
  expect(text(page)).toContain(`已绑定手机号 ${facts.member.mobile_masked}`);
  await press(page, '.submit');
  expect(text(page)).toContain('已完成实名认证');
  const union = await open('pages/my-union/index');
  expect(text(union)).toContain('上级：虎门镇总工会');

  usePhone('a'); // the old account no longer holds the entry
  const old = await open('pages/my-union/index');
  expect(text(old)).toContain('完成实名认证后即可直达所属工会');
});
