// Money in yuan, times in Beijing time, posts and accounts as the cards show them.
const { yuan, relativeTime, dateTime, postView, accountView, levelLabel } = require('../../lib/format');

describe('yuan', () => {
  test('fen become yuan with two decimals, without float drift', () => {
    expect(yuan(1)).toBe('0.01');
    expect(yuan(30)).toBe('0.30');
    expect(yuan(12345)).toBe('123.45');
    expect(yuan(10000000)).toBe('100000.00');
    expect(yuan(0)).toBe('0.00');
  });

  test('anything that is not a number shows nothing', () => {
    expect(yuan(undefined)).toBe('');
    expect(yuan('abc')).toBe('');
  });
});

describe('relativeTime', () => {
  const now = new Date('2026-03-05T10:00:00+08:00');

  test('recent posts count minutes', () => {
    expect(relativeTime('2026-03-05T09:59:30+08:00', now)).toBe('刚刚');
    expect(relativeTime('2026-03-05T09:35:00+08:00', now)).toBe('25分钟前');
  });

  test('today and yesterday are Beijing days, not UTC days', () => {
    // 07:10 Beijing is 23:10 UTC the day before: still 今天 for a member in Guangdong.
    expect(relativeTime('2026-03-05T07:10:00+08:00', now)).toBe('今天 07:10');
    expect(relativeTime('2026-03-04T23:59:00+08:00', now)).toBe('昨天 23:59');
    expect(relativeTime('2026-03-04T15:59:00Z', now)).toBe('昨天 23:59');
  });

  test('older posts show the date, with the year when it is not this year', () => {
    expect(relativeTime('2026-01-20T08:00:00+08:00', now)).toBe('1月20日');
    expect(relativeTime('2025-12-31T08:00:00+08:00', now)).toBe('2025年12月31日');
  });

  test('a missing or broken time shows nothing', () => {
    expect(relativeTime(null, now)).toBe('');
    expect(relativeTime('不是时间', now)).toBe('');
  });
});

test('dateTime shows month, day and Beijing time', () => {
  expect(dateTime('2026-03-05T02:00:00Z')).toBe('3月5日 10:00');
});

test('postView keeps what the card shows and drops unknown fields', () => {
  const view = postView({
    id: 9,
    title: '虎门镇总工会送清凉',
    summary: '高温慰问一线职工',
    kind: 'promotion',
    account: { code: 'humen', name: '虎门镇总工会' },
    from_above: true,
    published_at: '2026-03-05T09:00:00+08:00',
    cover_url: null,
    campaign_id: 7,
    something_new: 'ignored',
  }, new Date('2026-03-05T10:00:00+08:00'));
  expect(view).toEqual({
    id: 9,
    title: '虎门镇总工会送清凉',
    summary: '高温慰问一线职工',
    accountCode: 'humen',
    accountName: '虎门镇总工会',
    fromAbove: true,
    isPromotion: true,
    campaignId: 7,
    coverUrl: '',
    timeText: '今天 09:00',
  });
});

test('accountView names the level in Chinese and lists the unions below', () => {
  const view = accountView({
    code: 'dongguan',
    name: '东莞市总工会',
    level: 'city',
    short_name: '东莞总工会',
    parent: { code: 'guangdong', name: '广东省总工会' },
    followed: true,
    own: false,
    children: [{ code: 'humen', name: '虎门镇总工会' }],
  });
  expect(view.levelText).toBe('市总工会');
  expect(view.parentName).toBe('广东省总工会');
  expect(view.children).toEqual([{ code: 'humen', name: '虎门镇总工会' }]);
  expect(view.followed).toBe(true);
  expect(view.logoUrl).toBe('');
  expect(levelLabel('grassroots')).toBe('基层工会');
  expect(levelLabel('unknown')).toBe('工会');
});

test('accountView gives a logo from the hub\'s media library the hub\'s address', () => {
  const base = 'https://hub.example.cn';
  expect(accountView({ code: 'dongguan', logo_url: '/media/3/0123456789abcdef' }, base).logoUrl)
    .toBe('https://hub.example.cn/media/3/0123456789abcdef');
  expect(accountView({ code: 'dongguan', logo_url: 'https://cdn.example.cn/dg.png' }, base).logoUrl)
    .toBe('https://cdn.example.cn/dg.png');
});
