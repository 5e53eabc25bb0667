// The api module against a fake hub: the session call, the Member header, silent sign-in
// again on 401, the hub's messages as errors, retries only where they are safe.
const api = require('../../lib/api');
const state = require('../../lib/state');
const { BASE, createFakeHub, account, profile, session, claimAnswer } = require('../helpers/fake-wx');

let hub;
beforeEach(() => {
  hub = createFakeHub().install();
});
afterEach(() => {
  expect(hub.unexpected).toEqual([]);
});

test('the first call signs in with wx.login and sends the token as Member', async () => {
  hub
    .on('POST', '/mp/v1/session', (req) => {
      expect(req.body).toEqual({ code: 'login-code-1' });
      expect(req.headers.Authorization).toBeUndefined();
      return { body: session('tok-A', { profile: profile({ verified: false }) }) };
    })
    .on('GET', '/mp/v1/me', (req) => {
      expect(req.headers.Authorization).toBe('Member tok-A');
      return { body: profile() };
    });

  const me = await api.me();

  expect(me.name_masked).toBe('*建华');
  expect(hub.requests.map((r) => `${r.origin} ${r.method} ${r.path}`)).toEqual([
    `${BASE} POST /mp/v1/session`,
    `${BASE} GET /mp/v1/me`,
  ]);
  expect(hub.storage.member_token).toBe('tok-A');
  expect(state.profile().verified).toBe(false); // the session's profile is kept for the pages
});

test('a 401 signs in again silently and repeats the call once with the new token', async () => {
  hub.storage.member_token = 'expired';
  hub
    .on('GET', '/mp/v1/follows', (req) => (req.headers.Authorization === 'Member tok-B'
      ? { body: { accounts: [account('meizhou', '梅州市总工会', { level: 'city', followed: true })] } }
      : { status: 401, body: { error: 'unauthorized', message: '登录已过期' } }))
    .on('POST', '/mp/v1/session', { body: session('tok-B') });

  const result = await api.follows();

  expect(result.accounts[0].name).toBe('梅州市总工会');
  expect(hub.logins).toBe(1);
  expect(hub.requests.map((r) => [r.method, r.path, r.headers.Authorization])).toEqual([
    ['GET', '/mp/v1/follows', 'Member expired'],
    ['POST', '/mp/v1/session', undefined],
    ['GET', '/mp/v1/follows', 'Member tok-B'],
  ]);
  expect(hub.storage.member_token).toBe('tok-B');
});

test('a 401 even after signing in again is reported, not retried in a loop', async () => {
  hub.storage.member_token = 'expired';
  hub
    .on('GET', '/mp/v1/me', { status: 401, body: { error: 'unauthorized', message: '会员登录凭证无效' } })
    .on('POST', '/mp/v1/session', { body: session('tok-D') });

  const err = await api.me().catch((e) => e);

  expect(err.status).toBe(401);
  expect(err.message).toBe('会员登录凭证无效');
  expect(hub.logins).toBe(1);
  expect(hub.callsTo('GET', '/mp/v1/me')).toHaveLength(2);
});

test('pages starting together share one sign-in', async () => {
  hub
    .on('POST', '/mp/v1/session', { body: session('tok-C') })
    .on('GET', '/mp/v1/me', { body: profile() })
    .on('GET', '/mp/v1/follows', { body: { accounts: [] } });

  await Promise.all([api.me(), api.follows()]);

  expect(hub.logins).toBe(1);
  expect(hub.callsTo('POST', '/mp/v1/session')).toHaveLength(1);
});

test('an error answer becomes an ApiError carrying the hub message and fields', async () => {
  hub.storage.member_token = 't-1';
  hub.on('POST', '/mp/v1/verification', (req) => {
    expect(req.body).toEqual({ name: '陈建华', id_number: '441900199003151238' });
    return { status: 400, body: { error: 'invalid_input', message: '请填写姓名（最多 50 个字）', fields: { name: '请填写姓名（最多 50 个字）' } } };
  });

  const err = await api.verify('陈建华', '441900199003151238').catch((e) => e);

  expect(err).toBeInstanceOf(api.ApiError);
  expect(err.status).toBe(400);
  expect(err.code).toBe('invalid_input');
  expect(err.message).toBe('请填写姓名（最多 50 个字）');
  expect(err.fields).toEqual({ name: '请填写姓名（最多 50 个字）' });
  expect(err.retryable).toBe(false);
});

test('a 500 without a JSON body still gives a Chinese message', async () => {
  hub.storage.member_token = 't-1';
  hub.on('POST', '/mp/v1/accounts/meizhou/follow', { status: 502, body: '<html>Bad Gateway</html>' });

  const err = await api.follow('meizhou').catch((e) => e);

  expect(err.message).toBe('服务暂时不可用，请稍后重试');
  expect(hub.callsTo('POST', '/mp/v1/accounts/meizhou/follow')).toHaveLength(1); // a POST is not repeated
});

test('a GET that got no answer is tried once more, then says the network failed', async () => {
  hub.storage.member_token = 't-1';
  hub.on('GET', '/mp/v1/me', { offline: true });

  const err = await api.me().catch((e) => e);

  expect(err.status).toBe(0);
  expect(err.message).toBe('网络不给力，请稍后重试');
  expect(hub.callsTo('GET', '/mp/v1/me')).toHaveLength(2);
});

test('query values are encoded, empty cursors left out', async () => {
  hub.storage.member_token = 't-1';
  hub
    .on('GET', '/mp/v1/accounts', (req) => {
      expect(req.query).toEqual({ q: '虎门' });
      return { body: { accounts: [] } };
    })
    .on('GET', '/mp/v1/feed', { body: { items: [], next_cursor: null } });

  await api.searchAccounts('虎门');
  await api.feed(null);
  await api.feed('MjAyNi0wMy0wNQ==');

  expect(hub.requests.map((r) => r.query)).toEqual([{ q: '虎门' }, {}, { cursor: 'MjAyNi0wMy0wNQ==' }]);
});

test('a claim resent after no answer carries the same body, request_id included', async () => {
  hub.storage.member_token = 't-1';
  hub.on('POST', '/mp/v1/campaigns/7/claim', [{ offline: true }, { body: claimAnswer(7, 'red_packet', { amount_fen: 88 }) }]);

  const result = await api.claim(7, { request_id: 'r-1' });

  expect(result).toEqual(claimAnswer(7, 'red_packet', { amount_fen: 88 }));
  expect(hub.callsTo('POST', '/mp/v1/campaigns/7/claim').map((r) => r.body)).toEqual([
    { request_id: 'r-1' },
    { request_id: 'r-1' },
  ]);
});

test('a failed sign-in reports the hub message', async () => {
  hub.on('POST', '/mp/v1/session', { status: 400, body: { error: 'invalid_input', message: '登录码无效或已使用，请重试', fields: { code: '登录码无效或已使用，请重试' } } });

  const err = await api.me().catch((e) => e);

  expect(err.message).toBe('登录码无效或已使用，请重试');
  expect(hub.storage.member_token).toBeUndefined();
});
