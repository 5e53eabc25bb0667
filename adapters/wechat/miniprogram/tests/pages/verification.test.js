// 实名认证: typed name and ID number go to the hub; its refusal is shown as it says it; a
// success shows the masked profile; the phone comes from the getPhoneNumber button.
const { openPage, text, tap, type } = require('../helpers/simulate');
const { signedInHub, account, profile } = require('../helpers/fake-wx');
const state = require('../../lib/state');

let hub;
beforeEach(() => {
  hub = signedInHub();
});
afterEach(() => {
  expect(hub.unexpected).toEqual([]);
});

const unverified = profile({ verified: false, name_masked: '', id_masked: '', phone_masked: '' });

test('a matching name and ID verify the member and show the masked profile', async () => {
  hub
    .on('GET', '/mp/v1/me', { body: unverified })
    .on('POST', '/mp/v1/verification', (req) => {
      expect(req.headers.Authorization).toBe('Member t-1');
      expect(req.body).toEqual({ name: '陈建华', id_number: '441900199003151238' });
      return { body: { profile: profile({ union: account('hm-demo', '虎门镇示范企业工会', { followed: true, own: true }) }) } };
    });

  const page = await openPage('pages/verification/index');
  expect(text(page)).toContain('提交认证');

  await type(page, '.name', ' 陈建华 ');
  await type(page, '.id-number', '441900199003151238');
  await tap(page, '.submit');

  expect(text(page)).toContain('已完成实名认证');
  expect(text(page)).toContain('*建华');
  expect(text(page)).toContain('4419**********1238');
  expect(text(page)).toContain('虎门镇示范企业工会');
  expect(text(page)).not.toContain('441900199003151238');
  expect(hub.toasts).toContain('认证成功');
  expect(state.isVerified()).toBe(true);
  expect(state.takeFeedStale()).toBe(true); // the feed reloads with the union chain

  await tap(page, '.go-union');
  expect(hub.navigations).toEqual([['switchTab', '/pages/my-union/index']]);
});

test("the hub's refusal is shown as it is, without saying which field", async () => {
  hub
    .on('GET', '/mp/v1/me', { body: unverified })
    .on('POST', '/mp/v1/verification', [
      { status: 400, body: { error: 'verification_failed', message: '姓名或身份证号与会员名册不符，请核对后重试' } },
      { status: 429, body: { error: 'too_many_attempts', message: '尝试次数过多，请明天再试' } },
    ]);

  const page = await openPage('pages/verification/index');
  await type(page, '.name', '陈建国');
  await type(page, '.id-number', '441900199003151238');
  await tap(page, '.submit');
  expect(text(page)).toContain('姓名或身份证号与会员名册不符，请核对后重试');
  expect(text(page)).toContain('提交认证');

  await tap(page, '.submit');
  expect(text(page)).toContain('尝试次数过多，请明天再试');
  expect(hub.callsTo('POST', '/mp/v1/verification')).toHaveLength(2);
});

test('a mistyped ID number is caught before anything is sent', async () => {
  hub.on('GET', '/mp/v1/me', { body: unverified });
  const page = await openPage('pages/verification/index');

  await tap(page, '.submit');
  expect(text(page)).toContain('请填写姓名');

  await type(page, '.name', '陈建华');
  await type(page, '.id-number', '441900199003151239'); // checksum digit wrong
  await tap(page, '.submit');
  expect(text(page)).toContain('请填写正确的18位身份证号');
  expect(hub.callsTo('POST', '/mp/v1/verification')).toHaveLength(0);
});

test('the phone number is bound with the code from the getPhoneNumber button', async () => {
  hub
    .on('GET', '/mp/v1/me', { body: unverified })
    .on('POST', '/mp/v1/phone', (req) => {
      expect(req.body).toEqual({ code: 'phone-code-1' });
      return { body: { profile: { ...unverified, phone_masked: '138****8000' } } };
    });

  const page = await openPage('pages/verification/index');
  await page.instance.onPhone({ detail: { errMsg: 'getPhoneNumber:fail user deny' } }); // refused: nothing sent
  await page.instance.onPhone({ detail: { code: 'phone-code-1' } });

  expect(text(page)).toContain('已绑定手机号 138****8000');
  expect(hub.callsTo('POST', '/mp/v1/phone')).toHaveLength(1);
});
