// The hub's /mp/v1 API for the pages: wraps wx.request with the base URL from config, keeps
// the member token from POST /mp/v1/session in storage, signs in again silently with
// wx.login when the hub answers 401, and turns error answers into ApiError whose message
// is the hub's own Chinese message, ready to show.

const config = require('../config');
const state = require('./state');

const TOKEN_KEY = 'member_token';
const TEMPLATES_KEY = 'subscribe_templates'; // 订阅消息 template ids, as the hub names them
const NETWORK_MESSAGE = '网络不给力，请稍后重试';
const SERVER_MESSAGE = '服务暂时不可用，请稍后重试';

class ApiError extends Error {
  constructor(status, body) {
    const data = body && typeof body === 'object' ? body : {};
    super(data.message || (status === 0 ? NETWORK_MESSAGE : SERVER_MESSAGE));
    this.name = 'ApiError';
    this.status = status; // 0: the request never got an answer
    this.code = data.error || (status === 0 ? 'network' : 'server');
    this.fields = data.fields || null;
  }

  // Only a request that never reached an answer, or a 5xx, may be sent again as is.
  get retryable() {
    return this.status === 0 || this.status >= 500;
  }
}

function query(params) {
  const parts = Object.keys(params || {})
    .filter((k) => params[k] !== undefined && params[k] !== null && params[k] !== '')
    .map((k) => `${encodeURIComponent(k)}=${encodeURIComponent(params[k])}`);
  return parts.length ? `?${parts.join('&')}` : '';
}

// One HTTP exchange; resolves with {statusCode, data} for any answer, rejects only when
// there was none (offline, timeout, DNS).
function send(method, path, data, token) {
  const header = { 'Content-Type': 'application/json' };
  if (token) header.Authorization = `Member ${token}`;
  return new Promise((resolve, reject) => {
    wx.request({
      url: config.baseUrl() + path,
      method,
      data,
      header,
      timeout: config.requestTimeoutMs,
      success: (res) => resolve({ statusCode: res.statusCode, data: res.data }),
      fail: () => reject(new ApiError(0, null)),
    });
  });
}

function wxLoginCode() {
  return new Promise((resolve, reject) => {
    wx.login({
      success: (res) => (res.code ? resolve(res.code) : reject(new ApiError(0, { message: '微信登录失败，请重试' }))),
      fail: () => reject(new ApiError(0, { message: '微信登录失败，请重试' })),
    });
  });
}

let signingIn = null; // pages that start together share one sign-in

async function signIn() {
  const code = await wxLoginCode();
  const res = await send('POST', '/mp/v1/session', { code }, null);
  if (res.statusCode < 200 || res.statusCode >= 300) throw new ApiError(res.statusCode, res.data);
  wx.setStorageSync(TOKEN_KEY, res.data.token);
  if (res.data.subscribe_templates) wx.setStorageSync(TEMPLATES_KEY, res.data.subscribe_templates);
  state.setProfile(res.data.profile);
  return res.data.token;
}

function freshToken() {
  if (!signingIn) {
    signingIn = signIn().finally(() => {
      signingIn = null;
    });
  }
  return signingIn;
}

async function sendSignedIn(method, path, data) {
  const token = wx.getStorageSync(TOKEN_KEY) || (await freshToken());
  const res = await send(method, path, data, token);
  if (res.statusCode !== 401) return res;
  // The token expired or the hub was reset: sign in again once, then repeat the call.
  wx.removeStorageSync(TOKEN_KEY);
  return send(method, path, data, await freshToken());
}

// retries: how many times to resend after no answer or a 5xx; only for calls that are safe
// to repeat (GETs, and claims that carry their request_id).
async function request(method, path, data, { retries = 0 } = {}) {
  for (let attempt = 0; ; attempt += 1) {
    try {
      const res = await sendSignedIn(method, path, data);
      if (res.statusCode >= 200 && res.statusCode < 300) return res.data;
      throw new ApiError(res.statusCode, res.data);
    } catch (err) {
      if (!(err instanceof ApiError) || !err.retryable || attempt >= retries) throw err;
    }
  }
}

const get = (path, params) => request('GET', path + query(params), undefined, { retries: 1 });
const post = (path, body, options) => request('POST', path, body || {}, options);
const del = (path) => request('DELETE', path);

// The WeChat template id of one kind of 订阅消息 ('news', 'course_reminder'): what the hub
// said at sign-in, else the default in config.js.
function templateId(name) {
  const known = wx.getStorageSync(TEMPLATES_KEY) || {};
  return known[name] || config.subscribeTemplates[name];
}

module.exports = {
  ApiError,
  TOKEN_KEY,
  TEMPLATES_KEY,
  templateId,
  signIn: freshToken,
  request,
  me: () => get('/mp/v1/me'),
  bindPhone: (code) => post('/mp/v1/phone', { code }),
  verify: (name, idNumber) => post('/mp/v1/verification', { name, id_number: idNumber }),
  feed: (cursor) => get('/mp/v1/feed', { cursor }),
  // source: who shared the link the member opened (see lib/share.js); src: the outlet or
  // 地推 code that brought them (see lib/source.js)
  post: (id, source, src) => get(`/mp/v1/posts/${encodeURIComponent(id)}`, { source, src }),
  account: (code) => get(`/mp/v1/accounts/${encodeURIComponent(code)}`),
  accountPosts: (code, cursor) => get(`/mp/v1/accounts/${encodeURIComponent(code)}/posts`, { cursor }),
  accountTopics: (code) => get(`/mp/v1/accounts/${encodeURIComponent(code)}/topics`),
  topic: (code, id) => get(`/mp/v1/accounts/${encodeURIComponent(code)}/topics/${encodeURIComponent(id)}`),
  accountServices: (code) => get(`/mp/v1/accounts/${encodeURIComponent(code)}/services`),
  follow: (code) => post(`/mp/v1/accounts/${encodeURIComponent(code)}/follow`),
  unfollow: (code) => del(`/mp/v1/accounts/${encodeURIComponent(code)}/follow`),
  follows: () => get('/mp/v1/follows'),
  myUnion: () => get('/mp/v1/my-union'),
  searchAccounts: (q) => get('/mp/v1/accounts', { q }),
  allowMessages: (template, accepted) => post('/mp/v1/subscriptions', { template, accepted }),
  campaign: (id, source, src) => get(`/mp/v1/campaigns/${encodeURIComponent(id)}`, { source, src }),
  claim: (id, body) => post(`/mp/v1/campaigns/${encodeURIComponent(id)}/claim`, body, { retries: 1 }),
  cancelClaim: (id) => post(`/mp/v1/campaigns/${encodeURIComponent(id)}/cancel`),
  welfare: () => get('/mp/v1/me/welfare'),
};
