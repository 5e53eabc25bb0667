// 首页: the merged feed, page by page, with the hub's message when a page fails.
const { openPage, text, tap, settle } = require('../helpers/simulate');
const { signedInHub } = require('../helpers/fake-wx');

let hub;
beforeEach(() => {
  hub = signedInHub();
});
afterEach(() => {
  expect(hub.unexpected).toEqual([]);
});

const post = (id, title, extra = {}) => ({
  id,
  title,
  summary: '',
  kind: 'article',
  account: { code: 'humen', name: '虎门镇总工会' },
  from_above: false,
  from_followed: !extra.from_above,
  published_at: '2026-03-05T09:00:00+08:00',
  cover_url: null,
  campaign_id: null,
  ...extra,
});

test('shows the first page, then the next one when the member reaches the bottom', async () => {
  hub.on('GET', '/mp/v1/feed', (req) => {
    expect(req.headers.Authorization).toBe('Member t-1');
    if (!req.query.cursor) {
      return { body: { items: [post(3, '虎门镇职工篮球赛开赛'), post(2, '梅州客家山歌进企业', { account: { code: 'meizhou', name: '梅州市总工会' } })], next_cursor: 'c2' } };
    }
    expect(req.query.cursor).toBe('c2');
    return { body: { items: [post(1, '东莞市总工会发布夏送清凉安排', { from_above: true })], next_cursor: null } };
  });

  const page = await openPage('pages/feed/index');
  expect(text(page)).toContain('虎门镇职工篮球赛开赛');
  expect(text(page)).toContain('梅州市总工会');
  expect(text(page)).not.toContain('东莞市总工会发布夏送清凉安排');

  await page.instance.onReachBottom();
  await settle();
  expect(text(page)).toContain('东莞市总工会发布夏送清凉安排');
  expect(text(page)).toContain('上级推送');
  expect(text(page)).toContain('没有更多了');

  await page.instance.onReachBottom(); // the last page was reached: nothing more is asked
  expect(hub.callsTo('GET', '/mp/v1/feed').map((r) => r.query)).toEqual([{}, { cursor: 'c2' }]);
});

test('an empty feed invites the member to follow accounts', async () => {
  hub.on('GET', '/mp/v1/feed', { body: { items: [], next_cursor: null } });
  const page = await openPage('pages/feed/index');
  expect(text(page)).toContain('还没有动态，去关注感兴趣的工会号吧');
});

test("a failed page shows the hub's message and 重试 loads it again", async () => {
  hub.on('GET', '/mp/v1/feed', [
    { status: 503, body: { error: 'unavailable', message: '系统维护中，请稍后再试' } },
    { status: 503, body: { error: 'unavailable', message: '系统维护中，请稍后再试' } },
    { body: { items: [post(5, '虎门镇总工会招募志愿者')], next_cursor: null } },
  ]);
  const page = await openPage('pages/feed/index');
  expect(text(page)).toContain('系统维护中，请稍后再试');

  await tap(page, '.retry');
  expect(text(page)).toContain('虎门镇总工会招募志愿者');
  expect(text(page)).not.toContain('系统维护中');
});

test('a promotion opens its campaign, an article opens the post', async () => {
  hub.on('GET', '/mp/v1/feed', {
    body: { items: [post(8, '红包雨来了', { kind: 'promotion', campaign_id: 7 }), post(6, '工会法宣传月')], next_cursor: null },
  });
  const page = await openPage('pages/feed/index');
  await tap(page, '.post-item', { index: 0, inner: '.post-card' });
  await tap(page, '.post-item', { index: 1, inner: '.post-card' });
  expect(hub.navigations).toEqual([
    ['navigateTo', '/pages/campaign/index?id=7'],
    ['navigateTo', '/pages/post/index?id=6'],
  ]);
});

test('one tap on 一键直达所属工会 opens the my-union tab', async () => {
  hub.on('GET', '/mp/v1/feed', { body: { items: [], next_cursor: null } });
  const page = await openPage('pages/feed/index');
  await tap(page, '.shortcut.primary');
  expect(hub.navigations).toEqual([['switchTab', '/pages/my-union/index']]);
});

test('accepting update messages tells the hub one more message is allowed', async () => {
  hub.on('GET', '/mp/v1/feed', { body: { items: [], next_cursor: null } });
  hub.on('POST', '/mp/v1/subscriptions', (req) => {
    expect(req.body).toEqual({ template: 'news', accepted: 1 });
    return { body: { template: 'news', allowances: 1 } };
  });
  hub.subscribeAnswer = 'accept';
  const page = await openPage('pages/feed/index');
  await page.instance.onSubscribe();
  await settle();
  expect(text(page)).toContain('已订阅');
  expect(hub.callsTo('POST', '/mp/v1/subscriptions')).toHaveLength(1);
});

test('the 订阅消息 prompt asks for the template id the hub named at sign-in', async () => {
  hub.on('GET', '/mp/v1/feed', { body: { items: [], next_cursor: null } });
  hub.subscribeAnswer = 'reject';
  const page = await openPage('pages/feed/index');
  await page.instance.onSubscribe();
  expect(hub.subscribeAsked).toEqual(['hub-news']); // config's default
  wx.setStorageSync('subscribe_templates', { news: 'Wx-Tmpl-42' });
  await page.instance.onSubscribe();
  expect(hub.subscribeAsked).toEqual(['Wx-Tmpl-42']);
});

test('refusing update messages tells the hub nothing', async () => {
  hub.on('GET', '/mp/v1/feed', { body: { items: [], next_cursor: null } });
  hub.subscribeAnswer = 'reject';
  const page = await openPage('pages/feed/index');
  await page.instance.onSubscribe();
  expect(hub.callsTo('POST', '/mp/v1/subscriptions')).toHaveLength(0);
  expect(text(page)).not.toContain('已订阅');
});

test('pull-down loads the newest page again and stops the spinner', async () => {
  hub.on('GET', '/mp/v1/feed', [
    { body: { items: [post(1, '旧动态')], next_cursor: null } },
    { body: { items: [post(2, '刚发布的新动态'), post(1, '旧动态')], next_cursor: null } },
  ]);
  let stopped = 0;
  global.wx.stopPullDownRefresh = () => {
    stopped += 1;
  };
  const page = await openPage('pages/feed/index');
  expect(text(page)).not.toContain('刚发布的新动态');
  await page.instance.onPullDownRefresh();
  expect(text(page)).toContain('刚发布的新动态');
  expect(page.instance.data.posts.map((p) => p.id)).toEqual([2, 1]);
  expect(stopped).toBe(1);
});

test('after following elsewhere the feed reloads once when shown again', async () => {
  const state = require('../../lib/state');
  hub.on('GET', '/mp/v1/feed', { body: { items: [], next_cursor: null } });
  const page = await openPage('pages/feed/index');
  expect(hub.callsTo('GET', '/mp/v1/feed')).toHaveLength(1);
  await page.instance.onShow(); // nothing changed: no reload
  expect(hub.callsTo('GET', '/mp/v1/feed')).toHaveLength(1);
  state.markFeedStale();
  await page.instance.onShow();
  await page.instance.onShow();
  expect(hub.callsTo('GET', '/mp/v1/feed')).toHaveLength(2);
});
