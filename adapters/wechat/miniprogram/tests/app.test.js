// The app signs the member in at launch, and a failure there stays quiet (pages show theirs).
const { createFakeHub, session } = require('./helpers/fake-wx');

// Waits for what the launch started, however slow the machine (no timing is asserted).
async function waitFor(condition, deadlineMs = 10000) {
  const until = Date.now() + deadlineMs;
  while (!condition()) {
    if (Date.now() > until) throw new Error('launch did not finish in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

test('launch signs in once with a wx.login code and keeps the token', async () => {
  const hub = createFakeHub().install();
  hub.on('POST', '/mp/v1/session', (req) => {
    expect(req.body).toEqual({ code: 'login-code-1' });
    return { body: session('tok-L') };
  });
  let app;
  global.App = (options) => {
    app = options;
  };
  jest.isolateModules(() => require('../app'));

  app.onLaunch();
  await waitFor(() => hub.storage.member_profile);

  expect(hub.storage.member_token).toBe('tok-L');
  expect(hub.storage.member_profile.name_masked).toBe('*建华');
  expect(hub.unexpected).toEqual([]);
});

test('a failed sign-in at launch throws nothing', async () => {
  const hub = createFakeHub().install();
  hub.on('POST', '/mp/v1/session', { offline: true });
  let app;
  global.App = (options) => {
    app = options;
  };
  jest.isolateModules(() => require('../app'));

  expect(() => app.onLaunch()).not.toThrow();
  // the sign-in and its one resend (no answer either time) have both run their course
  await waitFor(() => hub.callsTo('POST', '/mp/v1/session').length >= 1);
  await new Promise((resolve) => setTimeout(resolve, 50));
  expect(hub.storage.member_token).toBeUndefined();
  expect(hub.callsTo('POST', '/mp/v1/session')).toHaveLength(1);
});
