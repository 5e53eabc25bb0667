// What the journey against the real hub showed, held here too: the feed loads once after
// verification, the post's 上级推送 tag and cover, giving back a course seat in true words,
// sharing with the sharer as source, 关怀模式, and each page's loading, empty and error states.
const { openPage, renderComponent, text, tap, settle } = require('../helpers/simulate');
const { signedInHub, profile, feedItem, campaignFor, claimAnswer } = require('../helpers/fake-wx');
const state = require('../../lib/state');
const care = require('../../lib/care');

let hub;
beforeEach(() => {
  hub = signedInHub();
  hub.storage.member_profile = profile();
});
afterEach(() => {
  expect(hub.unexpected).toEqual([]);
});

const postDetail = (extra = {}) => ({
  id: 8,
  title: '梅州春风行动',
  summary: '',
  kind: 'article',
  account: { code: 'meizhou', name: '梅州市总工会' },
  published_at: '2026-03-05T09:00:00+08:00',
  html: '<p>正文</p>',
  campaign_id: null,
  cover_url: '/media/3/0123456789abcdef',
  from_above: true,
  ...extra,
});

test('the feed loads once on its first open after verification', async () => {
  hub.on('GET', '/mp/v1/feed', { body: { items: [feedItem(1, '虎门动态')], next_cursor: null } });
  state.markFeedStale(); // what verification does
  const page = await openPage('pages/feed/index');
  expect(text(page)).toContain('虎门动态');
  expect(hub.callsTo('GET', '/mp/v1/feed')).toHaveLength(1);
  state.markFeedStale(); // a follow elsewhere: the next show reloads
  await page.instance.onShow();
  await settle();
  expect(hub.callsTo('GET', '/mp/v1/feed')).toHaveLength(2);
});

test('a post from above shows 上级推送, its cover from the hub and a share button', async () => {
  hub.on('GET', '/mp/v1/posts/8', { body: postDetail() });
  const page = await openPage('pages/post/index', { id: '8' });
  expect(text(page)).toContain('上级推送');
  expect(text(page)).not.toContain('正在加载');
  const cover = page.querySelector('.cover');
  expect(cover).toBeTruthy();
  expect(page.instance.data.post.coverUrl).toBe('http://127.0.0.1:5000/media/3/0123456789abcdef');
  expect(page.querySelector('.share')).toBeTruthy();
});

test('a post is shared to a chat and to Moments with the sharer as source', async () => {
  hub.on('GET', '/mp/v1/posts/8', (req) => {
    expect(req.query).toEqual({ source: '2a.ffffeeeeddd0' }); // opened from someone's share
    return { body: postDetail({ cover_url: null }) };
  });
  const page = await openPage('pages/post/index', { id: '8', source: '2a.ffffeeeeddd0' });
  expect(hub.shareMenu).toEqual(['shareAppMessage', 'shareTimeline']);
  expect(page.instance.onShareAppMessage()).toEqual({
    title: '梅州春风行动',
    path: '/pages/post/index?id=8&source=1f.0123456789ab', // this member shares it on
    imageUrl: '/images/share-post.png',
  });
  expect(page.instance.onShareTimeline()).toEqual({
    title: '梅州春风行动', query: 'id=8&source=1f.0123456789ab', imageUrl: '/images/share-post.png',
  });
});

test('a post opened from a subscribe message tells the hub so', async () => {
  hub.on('GET', '/mp/v1/posts/8', (req) => {
    expect(req.query).toEqual({ src: 'mp_subscribe' });
    return { body: postDetail() };
  });
  const page = await openPage('pages/post/index', { id: '8', src: 'mp_subscribe' });
  expect(text(page)).toContain('梅州春风行动');
});

test('a campaign is shared with its kind in the title and the campaign share image', async () => {
  hub.on('GET', '/mp/v1/campaigns/7', { body: campaignFor() });
  const page = await openPage('pages/campaign/index', { id: '7' });
  expect(page.instance.onShareAppMessage()).toEqual({
    title: '红包｜东莞职工红包雨',
    path: '/pages/campaign/index?id=7&source=1f.0123456789ab',
    imageUrl: '/images/share-campaign.png',
  });
  expect(page.instance.onShareTimeline().query).toBe('id=7&source=1f.0123456789ab');
});

test('giving back a seat says the waiting member got it only when the hub says so', async () => {
  const seat = claimAnswer(11, 'course', { seat: 1 });
  const course = campaignFor({ id: 11, kind: 'course', stock_left: 0, my_claims: [seat] });
  hub
    .on('GET', '/mp/v1/campaigns/11', [{ body: course }, { body: { ...course, my_claims: [] } }])
    .on('POST', '/mp/v1/campaigns/11/cancel', { body: { status: 'cancelled', claim_id: 1, campaign_id: 11, seat_passed_to_waitlist: true } });
  const page = await openPage('pages/campaign/index', { id: '11' });
  await tap(page, '.cancel');
  expect(text(page)).toContain('已取消报名，名额已让给候补的会员');
});

test('关怀模式: switched in 我的, remembered, and every page and card follows it', async () => {
  hub.on('GET', '/mp/v1/me', { body: profile() });
  const me = await openPage('pages/me/index');
  expect(me.querySelector('.care')).toBeFalsy();
  expect(text(me)).toContain('关怀模式');
  await me.instance.onCare({ detail: { value: true } });
  expect(me.querySelector('.care')).toBeTruthy();
  expect(care.isOn()).toBe(true);
  expect(hub.storage.care_mode).toBe(true);

  hub.on('GET', '/mp/v1/feed', { body: { items: [feedItem(1, '虎门动态', { summary: '一段摘要', cover_url: '/media/1/aa' })], next_cursor: null } });
  const feed = await openPage('pages/feed/index');
  expect(feed.querySelector('.care')).toBeTruthy();
  expect(text(feed)).toContain('虎门动态');
  expect(text(feed)).not.toContain('一段摘要'); // simpler cards: title and source only
  expect(feed.querySelector('.post-item .cover')).toBeFalsy();

  await me.instance.onCare({ detail: { value: false } });
  expect(care.isOn()).toBe(false);
  await feed.instance.onShow(); // back on the feed: the switch holds there too
  expect(feed.querySelector('.care')).toBeFalsy();
});

test('loading states: 正文, 活动 and 我的福利 say they are loading until the hub answers', async () => {
  hub
    .on('GET', '/mp/v1/posts/8', { body: postDetail() })
    .on('GET', '/mp/v1/campaigns/7', { body: campaignFor() })
    .on('GET', '/mp/v1/me/welfare', { body: { items: [], total_fen: 0 } });
  for (const [path, query] of [['pages/post/index', { id: '8' }], ['pages/campaign/index', { id: '7' }], ['pages/welfare/index', {}]]) {
    const page = renderComponent(path);
    const loading = page.instance.onLoad(query);
    await Promise.resolve();
    expect(text(page)).toContain('正在加载…');
    await loading;
    await settle();
    expect(text(page)).not.toContain('正在加载…');
  }
});

test('error states: a campaign that failed to load offers 重试', async () => {
  hub.on('GET', '/mp/v1/campaigns/7', [{ offline: true }, { offline: true }, { body: campaignFor() }]);
  const page = await openPage('pages/campaign/index', { id: '7' });
  expect(text(page)).toContain('网络不给力，请稍后重试');
  await tap(page, '.retry');
  expect(text(page)).toContain('东莞职工红包雨');
  expect(text(page)).not.toContain('网络不给力');
});

// miniprogram-simulate renders no attributes, so the labels are read from the templates: each
// picture and each button without words of its own has an aria-label.
test('pictures and share buttons carry labels for screen readers', () => {
  const fs = require('fs');
  const path = require('path');
  const root = path.join(__dirname, '..', '..');
  const files = ['pages', 'components'].flatMap((dir) => fs.readdirSync(path.join(root, dir))
    .map((name) => path.join(root, dir, name, 'index.wxml')));
  const unlabelled = [];
  let seen = 0;
  files.forEach((file) => {
    const source = fs.readFileSync(file, 'utf8');
    (source.match(/<(image|button)\b[^>]*>/g) || []).forEach((tag) => {
      seen += 1;
      if (!/aria-label="[^"]+"/.test(tag)) unlabelled.push(`${path.relative(root, file)}: ${tag}`);
    });
  });
  expect(seen).toBeGreaterThanOrEqual(8);
  expect(unlabelled).toEqual([]);
});
