// A WeChat runtime for the journey: wx.request does real HTTP to the hub the test started
// (the develop address of config.js stands for it, as the developer tools' 不校验合法域名
// lets a phone reach a local hub), wx.login asks the hub's WeChat sandbox for a login code,
// storage lives in memory. The network can be cut (`offline`) and one answer can be lost
// after the hub has acted on the request (`loseNextAnswer`), as on a phone in a lift.
const http = require('http');

const DEVELOP = 'http://127.0.0.1:5000';

function httpJson(method, url, body, headers = {}, timeoutMs = 20000) {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const req = http.request(url, {
      method,
      headers: { ...headers, ...(payload ? { 'Content-Type': 'application/json', 'Content-Length': payload.length } : {}) },
      timeout: timeoutMs,
    }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const raw = Buffer.concat(chunks);
        let data = raw.toString('utf8');
        if ((res.headers['content-type'] || '').includes('application/json')) {
          try {
            data = JSON.parse(data);
          } catch (err) { /* left as text, as wx.request does */ }
        }
        resolve({ statusCode: res.statusCode, data, header: res.headers, raw });
      });
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    if (payload) req.write(payload);
    req.end();
  });
}

function createRealWx({ hubUrl, sandboxUrl, appid }) {
  const rt = {
    storage: {},
    requests: [], // {method, path, query, body} of every request sent to the hub
    toasts: [],
    navigations: [],
    offline: false,
    losing: null, // a RegExp: requests whose path matches lose their answers (losingLeft of them)
    losingLeft: 0,
    pending: 0,
    openid: null, // the WeChat user this phone is signed in as
    phone: null,
    subscribeAnswer: 'accept',
  };

  // The next `count` requests whose path matches reach the hub, but their answers are lost.
  rt.loseNextAnswer = (pattern, count = 1) => {
    rt.losing = pattern;
    rt.losingLeft = count;
  };
  rt.callsTo = (method, path) => rt.requests.filter((r) => r.method === method && r.path === path);

  // Waits until no request is in flight and the pages' promise chains ran on.
  rt.idle = async (deadlineMs = 30000) => {
    const until = Date.now() + deadlineMs;
    for (let quiet = 0; quiet < 5;) {
      if (Date.now() > until) throw new Error('the hub did not answer in time');
      await new Promise((resolve) => setTimeout(resolve, 5));
      quiet = rt.pending === 0 ? quiet + 1 : 0;
    }
  };

  // A sandbox code as WeChat hands one to wx.login (and getPhoneNumber when `phone`).
  rt.sandboxCodes = async (phone) => {
    const body = { openid: rt.openid };
    if (phone) body.phone = phone;
    const res = await httpJson('POST', `${sandboxUrl}/sandbox/apps/${appid}/login-codes`, body);
    if (res.statusCode !== 200) throw new Error(`sandbox answered ${res.statusCode}`);
    return res.data;
  };

  const wxApi = {
    request({ url, method = 'GET', data, header = {}, success, fail }) {
      const target = new URL(url.startsWith(DEVELOP) ? hubUrl + url.slice(DEVELOP.length) : url);
      const entry = { method, path: target.pathname, query: Object.fromEntries(target.searchParams), body: data, headers: header };
      rt.requests.push(entry);
      rt.pending += 1;
      const done = (fn, arg) => setTimeout(() => {
        rt.pending -= 1;
        fn(arg);
      }, 0);
      if (rt.offline) {
        done(fail, { errMsg: 'request:fail network' });
        return { abort() {} };
      }
      const lose = Boolean(rt.losing && rt.losing.test(target.pathname));
      if (lose) {
        rt.losingLeft -= 1;
        if (rt.losingLeft <= 0) rt.losing = null;
      }
      const body = method === 'GET' || data === undefined ? undefined : data;
      httpJson(method, target.toString(), body, header).then(
        (res) => (lose ? done(fail, { errMsg: 'request:fail timeout' }) : done(success, { statusCode: res.statusCode, data: res.data, header: res.header })),
        () => done(fail, { errMsg: 'request:fail' }),
      );
      return { abort() {} };
    },
    login({ success, fail }) {
      rt.pending += 1;
      rt.sandboxCodes().then(
        (codes) => setTimeout(() => { rt.pending -= 1; success({ code: codes.js_code, errMsg: 'login:ok' }); }, 0),
        () => setTimeout(() => { rt.pending -= 1; fail({ errMsg: 'login:fail' }); }, 0),
      );
    },
    getStorageSync: (key) => (key in rt.storage ? rt.storage[key] : ''),
    setStorageSync: (key, value) => {
      rt.storage[key] = value;
    },
    removeStorageSync: (key) => {
      delete rt.storage[key];
    },
    getAccountInfoSync: () => ({ miniProgram: { envVersion: 'develop', appId: appid } }),
    showToast: (opts) => rt.toasts.push(opts.title),
    navigateTo: ({ url }) => rt.navigations.push(['navigateTo', url]),
    redirectTo: ({ url }) => rt.navigations.push(['redirectTo', url]),
    switchTab: ({ url }) => rt.navigations.push(['switchTab', url]),
    navigateBack: () => rt.navigations.push(['navigateBack']),
    stopPullDownRefresh: () => {},
    setNavigationBarTitle: () => {},
    showShareMenu: (opts) => {
      rt.shareMenu = opts.menus;
    },
    requestSubscribeMessage: ({ tmplIds, success }) => {
      setTimeout(() => success(Object.fromEntries(tmplIds.map((t) => [t, rt.subscribeAnswer]))), 0);
    },
  };

  // A new phone: empty storage, another WeChat user.
  rt.switchUser = (openid) => {
    rt.openid = openid;
    rt.storage = {};
  };

  rt.install = () => {
    global.wx = Object.assign(global.wx || {}, wxApi);
    return rt;
  };
  return rt;
}

module.exports = { createRealWx, httpJson };
