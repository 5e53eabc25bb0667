// Where the mini-program finds the hub: the base URL of the /mp/v1 API for each WeChat
// environment (develop in the developer tools, trial, release).
// The develop URL is the demo hub of `make run`; tick 不校验合法域名 in the developer tools
// to call it. Trial and release must be an HTTPS domain listed in the mini-program's
// request whitelist (服务器域名), so they are set here before uploading.
const BASE_URLS = {
  develop: 'http://127.0.0.1:5000',
  trial: 'https://hub.example.cn',
  release: 'https://hub.example.cn',
};

function envVersion() {
  try {
    return wx.getAccountInfoSync().miniProgram.envVersion || 'develop';
  } catch (err) {
    return 'develop'; // older base libraries have no getAccountInfoSync
  }
}

module.exports = {
  baseUrl() {
    return BASE_URLS[envVersion()] || BASE_URLS.develop;
  },
  // Template id of the 订阅消息 "工会号有新动态", as configured in the WeChat console.
  subscribeTemplates: { news: 'news' },
  requestTimeoutMs: 10000,
};
