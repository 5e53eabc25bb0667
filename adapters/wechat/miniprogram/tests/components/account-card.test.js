// A union in a list: name and level, 关注 / 已关注, and 所属工会 for the member's own chain.
const { renderComponent, text, tap } = require('../helpers/simulate');

const account = {
  code: 'meizhou',
  name: '梅州市总工会',
  shortName: '梅州总工会',
  levelText: '市总工会',
  logoUrl: '',
  themeColor: '#d4380d',
  followed: false,
  own: false,
};

test('an account not followed offers 关注 and says so when tapped', async () => {
  const card = renderComponent('components/account-card/index', { account });
  expect(text(card)).toContain('梅州市总工会');
  expect(text(card)).toContain('市总工会');
  expect(text(card)).toContain('关注');
  const toggled = [];
  card.addEventListener('togglefollow', (evt) => toggled.push(evt.detail));
  await tap(card, '.follow');
  expect(toggled).toEqual([{ code: 'meizhou', followed: false }]);
});

test('a followed account shows 已关注', async () => {
  const card = renderComponent('components/account-card/index', { account: { ...account, followed: true } });
  expect(text(card)).toContain('已关注');
});

test("the member's own union shows 所属工会 and no follow button", async () => {
  const card = renderComponent('components/account-card/index', {
    account: { ...account, name: '虎门镇总工会', followed: true, own: true },
  });
  expect(text(card)).toContain('所属工会');
  expect(card.querySelector('.follow')).toBeFalsy();
});

test('a busy card ignores a second tap', async () => {
  const card = renderComponent('components/account-card/index', { account, busy: true });
  const toggled = [];
  card.addEventListener('togglefollow', (evt) => toggled.push(evt.detail));
  await tap(card, '.follow');
  expect(toggled).toEqual([]);
});

test('tapping the name opens the account', async () => {
  const card = renderComponent('components/account-card/index', { account });
  const opened = [];
  card.addEventListener('open', (evt) => opened.push(evt.detail));
  await tap(card, '.main');
  expect(opened).toEqual([{ code: 'meizhou' }]);
});
