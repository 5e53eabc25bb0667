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
  // 订阅消息 template ids when the hub has not named them (it does at sign-in, from
  // HUB_MINIPROGRAM_TEMPLATE_*): the defaults of the hub and its WeChat sandbox.
  subscribeTemplates: { news: 'hub-news', course_reminder: 'hub-course-reminder' },
  requestTimeoutMs: 10000,
};
