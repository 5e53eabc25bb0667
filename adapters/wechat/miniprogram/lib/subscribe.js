// 订阅消息: WeChat's prompt, then telling the hub one more message of that kind is allowed.
// WeChat shows the prompt only from a tap, so call ask() first thing in a tap handler.
const api = require('./api');

// Resolves true when the member accepted and the hub counted it, false when they declined;
// rejects with the hub's error when it could not count it.
function ask(name) {
  const template = api.templateId(name);
  return new Promise((resolve, reject) => {
    wx.requestSubscribeMessage({
      tmplIds: [template],
      success: (res) => {
        if (res[template] !== 'accept') {
          resolve(false);
          return;
        }
        api.allowMessages(name, 1).then(() => resolve(true), reject);
      },
      fail: () => resolve(false),
    });
  });
}

module.exports = { ask };
