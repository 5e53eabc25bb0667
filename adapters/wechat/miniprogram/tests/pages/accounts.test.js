// 工会号主页 and 我的工会: the account with its chain, its posts, follow and unfollow (the hub
// refuses to unfollow the member's own chain with 409), and 404 for a member without a union;
// the account's local services and topics, and a topic's page.
const { openPage, text, tap, settle } = require('../helpers/simulate');
const { signedInHub } = require('../helpers/fake-wx');

let hub;
beforeEach(() => {
  hub = signedInHub();
  // Most accounts here offer no services and no topics (a test that cares names its own).
  hub
    .on('GET', /^\/mp\/v1\/accounts\/[^/]+\/services$/, { body: { services: [] } })
    .on('GET', /^\/mp\/v1\/accounts\/[^/]+\/topics$/, { body: { topics: [] } });
});
afterEach(() => {
  expect(hub.unexpected).toEqual([]);
});

const meizhou = (extra = {}) => ({
  code: 'meizhou',
  name: '梅州市总工会',
  level: 'city',
  short_name: '梅州总工会',
  logo_url: null,
  theme_color: '#1d4e89',
  intro: '梅州市总工会官方工会号',
  parent: { code: 'guangdong', name: '广东省总工会' },
  followed: false,
  own: false,
  children: [{ code: 'mz-meijiang', name: '梅江区总工会' }],
  ...extra,
});

const post = (id, title) => ({
  id, title, summary: '', kind: 'article', account: { code: 'meizhou', name: '梅州市总工会' },
  from_above: false, from_followed: true, published_at: '2026-03-05T09:00:00+08:00', cover_url: null,
  campaign_id: null,
});

test('an account page shows the union, its chain and its posts, and follows it', async () => {
  hub
    .on('GET', '/mp/v1/accounts/meizhou', { body: meizhou() })
    .on('GET', '/mp/v1/accounts/meizhou/posts', (req) => {
      expect(req.headers.Authorization).toBe('Member t-1');
      return { body: { items: [post(4, '梅州职工书屋开放')], next_cursor: null } };
    })
    .on('POST', '/mp/v1/accounts/meizhou/follow', { body: { followed: true } });

  const page = await openPage('pages/account/index', { code: 'meizhou' });
  expect(text(page)).toContain('梅州市总工会');
  expect(text(page)).toContain('市总工会');
  expect(text(page)).toContain('上级：广东省总工会');
  expect(text(page)).toContain('梅江区总工会');
  expect(text(page)).toContain('梅州职工书屋开放');
  expect(hub.title).toBe('梅州市总工会');

  await tap(page, '.header', { inner: ['.follow', '.t-button'] });
  expect(hub.callsTo('POST', '/mp/v1/accounts/meizhou/follow')).toHaveLength(1);
  expect(text(page)).toContain('已关注');
  expect(hub.toasts).toEqual(['已关注']);
});

test("unfollowing one's own union chain shows the hub's refusal and stays followed", async () => {
  hub
    .on('GET', '/mp/v1/accounts/dongguan', { body: meizhou({ code: 'dongguan', name: '东莞市总工会', followed: true }) })
    .on('GET', '/mp/v1/accounts/dongguan/posts', { body: { items: [], next_cursor: null } })
    .on('DELETE', '/mp/v1/accounts/dongguan/follow', { status: 409, body: { error: 'conflict', message: '所属工会及其上级工会默认关注，不能取消', fields: { account: '所属工会及其上级工会默认关注，不能取消' } } });

  const page = await openPage('pages/account/index', { code: 'dongguan' });
  expect(text(page)).toContain('这个工会号还没有发布内容');
  await page.instance.onToggleFollow({ detail: { code: 'dongguan', followed: true } });
  expect(hub.toasts).toEqual(['所属工会及其上级工会默认关注，不能取消']);
  expect(page.instance.data.account.followed).toBe(true);
  expect(text(page)).toContain('已关注');
});

test('an unknown account shows the hub message', async () => {
  hub.on('GET', '/mp/v1/accounts/nowhere', { status: 404, body: { error: 'not_found', message: '工会号不存在' } });
  const page = await openPage('pages/account/index', { code: 'nowhere' });
  expect(text(page)).toContain('工会号不存在');
  expect(hub.callsTo('GET', '/mp/v1/accounts/nowhere/posts')).toHaveLength(0);
});

test('the parent union opens from the header', async () => {
  hub
    .on('GET', '/mp/v1/accounts/meizhou', { body: meizhou() })
    .on('GET', '/mp/v1/accounts/meizhou/posts', { body: { items: [], next_cursor: null } });
  const page = await openPage('pages/account/index', { code: 'meizhou' });
  await tap(page, '.header', { inner: ['.parent'] });
  expect(hub.navigations).toEqual([['navigateTo', '/pages/account/index?code=guangdong']]);
});

test("我的工会 opens the member's own union in one tap, with its posts", async () => {
  hub
    .on('GET', '/mp/v1/my-union', {
      body: meizhou({ code: 'hm-demo', name: '虎门镇示范企业工会', level: 'grassroots', own: true, followed: true, parent: { code: 'humen', name: '虎门镇总工会' }, children: [] }),
    })
    .on('GET', '/mp/v1/accounts/hm-demo/posts', { body: { items: [post(9, '端午节慰问品领取通知')], next_cursor: null } });

  const page = await openPage('pages/my-union/index');
  expect(text(page)).toContain('虎门镇示范企业工会');
  expect(text(page)).toContain('基层工会');
  expect(text(page)).toContain('所属工会');
  expect(text(page)).toContain('上级：虎门镇总工会');
  expect(text(page)).toContain('端午节慰问品领取通知');
});

test('我的工会 for a member not yet verified shows why and leads to 实名认证', async () => {
  hub.on('GET', '/mp/v1/my-union', [
    { status: 404, body: { error: 'not_found', message: '完成实名认证后即可直达所属工会' } },
    { body: meizhou({ code: 'hm-demo', name: '虎门镇示范企业工会', own: true }) },
  ]).on('GET', '/mp/v1/accounts/hm-demo/posts', { body: { items: [], next_cursor: null } });

  const page = await openPage('pages/my-union/index');
  expect(text(page)).toContain('完成实名认证后即可直达所属工会');
  expect(hub.callsTo('GET', '/mp/v1/my-union')).toHaveLength(1);
  await tap(page, '.go-verify');
  expect(hub.navigations).toEqual([['navigateTo', '/pages/verification/index']]);

  await page.instance.onShow(); // back from 实名认证
  await settle();
  expect(text(page)).toContain('虎门镇示范企业工会');
  expect(text(page)).not.toContain('去实名认证');
});

test("an account page offers its and its parents' local services and its topics", async () => {
  hub
    .on('GET', '/mp/v1/accounts/meizhou', { body: meizhou() })
    .on('GET', '/mp/v1/accounts/meizhou/posts', { body: { items: [], next_cursor: null } })
    .on('GET', '/mp/v1/accounts/meizhou/services', {
      body: {
        services: [
          { id: 1, name: '法律援助', icon: 'legal', kind: 'web', url: 'https://example.org/law', appid: null, path: null, from_above: true },
          { id: 2, name: '职工书屋', icon: 'books', kind: 'miniprogram', url: null, appid: null, path: 'pages/search/index', from_above: false },
          { id: 3, name: '就业服务', icon: 'jobs', kind: 'miniprogram', url: null, appid: 'wx0123456789abcdef', path: 'pages/jobs/index', from_above: false },
        ],
      },
    })
    .on('GET', '/mp/v1/accounts/meizhou/topics', {
      body: { topics: [{ id: 7, title: '春风行动', summary: '送岗位、送温暖', cover_url: null, ends_at: null }] },
    });

  const page = await openPage('pages/account/index', { code: 'meizhou' });
  expect(text(page)).toContain('本地服务');
  expect(text(page)).toContain('法律援助');
  expect(text(page)).toContain('专题');
  expect(text(page)).toContain('春风行动');

  const tapService = (id) => page.instance.onOpenService({ currentTarget: { dataset: { id } } });
  tapService(1);
  tapService(2);
  tapService(3);
  page.instance.onOpenTopic({ currentTarget: { dataset: { id: 7 } } });
  expect(hub.navigations).toEqual([
    ['navigateTo', `/pages/web/index?url=${encodeURIComponent('https://example.org/law')}&title=${encodeURIComponent('法律援助')}`],
    ['navigateTo', '/pages/search/index'],
    ['navigateToMiniProgram', 'wx0123456789abcdef', 'pages/jobs/index'],
    ['navigateTo', '/pages/topic/index?code=meizhou&id=7'],
  ]);
});

test('an account page still shows its posts when its services and topics fail to load', async () => {
  hub
    .on('GET', '/mp/v1/accounts/meizhou', { body: meizhou() })
    .on('GET', '/mp/v1/accounts/meizhou/posts', { body: { items: [post(4, '梅州职工书屋开放')], next_cursor: null } })
    .on('GET', '/mp/v1/accounts/meizhou/services', { offline: true })
    .on('GET', '/mp/v1/accounts/meizhou/topics', { offline: true });
  const page = await openPage('pages/account/index', { code: 'meizhou' });
  expect(text(page)).toContain('梅州职工书屋开放');
  expect(text(page)).not.toContain('本地服务');
});

test("a topic's page lists its posts in the union's order and opens them", async () => {
  hub.on('GET', '/mp/v1/accounts/meizhou/topics/7', {
    body: {
      id: 7, title: '春风行动', summary: '送岗位、送温暖', cover_url: null, ends_at: null,
      account: { code: 'meizhou', name: '梅州市总工会' },
      items: [post(9, '招聘会下周举行'), post(4, '梅州职工书屋开放')],
    },
  });
  const page = await openPage('pages/topic/index', { code: 'meizhou', id: '7' });
  const shown = text(page);
  expect(shown).toContain('送岗位、送温暖');
  expect(shown.indexOf('招聘会下周举行')).toBeLessThan(shown.indexOf('梅州职工书屋开放'));
  expect(hub.title).toBe('春风行动');
  page.instance.onOpenPost({ detail: { id: 9 } });
  expect(hub.navigations).toEqual([['navigateTo', '/pages/post/index?id=9']]);
});

test('an ended or unknown topic shows the hub message', async () => {
  hub.on('GET', '/mp/v1/accounts/meizhou/topics/8', { status: 404, body: { error: 'not_found', message: '专题不存在或已结束' } });
  const page = await openPage('pages/topic/index', { code: 'meizhou', id: '8' });
  expect(text(page)).toContain('专题不存在或已结束');
});
