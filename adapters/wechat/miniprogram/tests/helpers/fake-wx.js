// A fake WeChat runtime for the tests: wx.request answered by a small fake hub that records
// every request (method, path, query, headers, body) and fails the test on one it was not
// told about; wx.login handing out numbered codes; storage in memory; toasts and
// navigation recorded.

const { checkAnswer } = require('./contract');

const BASE = 'http://127.0.0.1:5000';

// A fake answer must be one the hub could give (tests/helpers/contract-check.js fails the
// test otherwise); `unchecked: true` marks the few that are deliberately not (a broken
// proxy's HTML page, say).
function checkFake(method, pathname, answer) {
  if (answer.offline || answer.unchecked || !pathname.startsWith('/mp/v1/')) return;
  const found = checkAnswer(method, pathname, answer.status || 200, answer.body);
  if (found.length) global.__contractViolations = (global.__contractViolations || []).concat(found);
}

function createFakeHub() {
  const routes = [];
  const hub = {
    requests: [],
    unexpected: [],
    logins: 0,
    toasts: [],
    navigations: [],
    storage: {},
    subscribeAnswer: null,
  };

  // answer: a function (req, n) -> {status, body} | {offline: true}, or a list of such
  // answers used in turn (the last one repeats).
  hub.on = (method, path, answer) => {
    routes.push({ method, path, answer, calls: 0 });
    return hub;
  };

  hub.callsTo = (method, path) => hub.requests.filter((r) => r.method === method && r.path === path);

  // A path given as a RegExp answers every path it matches, unless a route names the path
  // itself (a test's defaults, overridden where a test cares).
  function answerFor(req) {
    const route = routes.find((r) => r.method === req.method && r.path === req.path)
      || routes.find((r) => r.method === req.method && r.path instanceof RegExp && r.path.test(req.path));
    if (!route) return null;
    route.calls += 1;
    const { answer } = route;
    if (Array.isArray(answer)) return answer[Math.min(route.calls, answer.length) - 1];
    return typeof answer === 'function' ? answer(req, route.calls) : answer;
  }

  const fakes = {
    request({ url, method = 'GET', data, header = {}, success, fail }) {
      const parsed = new URL(url);
      const req = {
        origin: parsed.origin,
        method,
        path: parsed.pathname,
        query: Object.fromEntries(parsed.searchParams),
        headers: header,
        body: data,
      };
      hub.requests.push(req);
      const answer = answerFor(req);
      if (answer) checkFake(method, parsed.pathname, answer);
      setTimeout(() => {
        if (!answer) {
          hub.unexpected.push(`${method} ${parsed.pathname}${parsed.search}`);
          success({ statusCode: 404, data: { error: 'not_found', message: '测试没有准备这个请求' } });
        } else if (answer.offline) {
          fail({ errMsg: 'request:fail timeout' });
        } else {
          success({ statusCode: answer.status || 200, data: answer.body, header: {} });
        }
      }, 0);
      return { abort() {} };
    },
    login({ success }) {
      hub.logins += 1;
      setTimeout(() => success({ code: `login-code-${hub.logins}`, errMsg: 'login:ok' }), 0);
    },
    getStorageSync: (key) => (key in hub.storage ? hub.storage[key] : ''),
    setStorageSync: (key, value) => {
      hub.storage[key] = value;
    },
    removeStorageSync: (key) => {
      delete hub.storage[key];
    },
    getAccountInfoSync: () => ({ miniProgram: { envVersion: 'develop', appId: 'touristappid' } }),
    showToast: (opts) => hub.toasts.push(opts.title),
    navigateTo: ({ url }) => hub.navigations.push(['navigateTo', url]),
    navigateToMiniProgram: ({ appId, path }) => hub.navigations.push(['navigateToMiniProgram', appId, path]),
    redirectTo: ({ url }) => hub.navigations.push(['redirectTo', url]),
    switchTab: ({ url }) => hub.navigations.push(['switchTab', url]),
    navigateBack: () => hub.navigations.push(['navigateBack']),
    stopPullDownRefresh: () => {},
    showShareMenu: (opts) => {
      hub.shareMenu = opts.menus;
    },
    setNavigationBarTitle: ({ title }) => {
      hub.title = title;
    },
    requestSubscribeMessage: ({ tmplIds, success, fail }) => {
      hub.subscribeAsked = tmplIds;
      setTimeout(() => {
        if (!hub.subscribeAnswer) fail({ errMsg: 'requestSubscribeMessage:fail cancel' });
        else success(Object.fromEntries(tmplIds.map((t) => [t, hub.subscribeAnswer])));
      }, 0);
    },
  };
  hub.install = () => {
    global.wx = Object.assign(global.wx || {}, fakes);
    return hub;
  };
  return hub;
}

// A hub where the member is already signed in with token "t-1".
function signedInHub() {
  const hub = createFakeHub().install();
  hub.storage.member_token = 't-1';
  return hub;
}

// Answers shaped as the hub sends them (every field it always sends; tests/contract checks).
const account = (code, name, extra = {}) => ({
  code,
  name,
  level: 'grassroots',
  short_name: null,
  logo_url: null,
  theme_color: '#d4380d',
  intro: '',
  parent: null,
  followed: false,
  own: false,
  ...extra,
});

const profile = (extra = {}) => ({
  verified: true,
  name_masked: '*建华',
  id_masked: '4419**********1238',
  phone_masked: '138****8000',
  union: null,
  share_source: '1f.0123456789ab',
  ...extra,
});

const session = (token, extra = {}) => ({
  token,
  expires_in: 7200,
  profile: profile(),
  subscribe_templates: { news: 'hub-news', course_reminder: 'hub-course-reminder' },
  ...extra,
});

const feedItem = (id, title, extra = {}) => ({
  id,
  title,
  summary: '',
  kind: 'article',
  published_at: '2026-03-05T09:00:00+08:00',
  account: { code: 'dongguan', name: '东莞市总工会' },
  cover_url: null,
  from_followed: true,
  from_above: false,
  campaign_id: null,
  ...extra,
});

const campaignFor = (extra = {}) => ({
  id: 7,
  kind: 'red_packet',
  title: '东莞职工红包雨',
  description: null,
  state: 'open',
  account: { code: 'dongguan', name: '东莞市总工会' },
  post_id: null,
  starts_at: '2026-03-05T10:00:00+08:00',
  ends_at: '2026-03-05T12:00:00+08:00',
  per_member_limit: 1,
  units: 2000,
  stock_left: 1999,
  eligible: true,
  reason: null,
  reason_code: null,
  my_claims: [],
  ...extra,
});

const claimAnswer = (campaignId, kind, extra = {}) => ({
  status: 'claimed',
  claim_id: 1,
  campaign_id: campaignId,
  kind,
  ...extra,
});

module.exports = {
  BASE, createFakeHub, signedInHub, account, profile, session, feedItem, campaignFor, claimAnswer,
};
