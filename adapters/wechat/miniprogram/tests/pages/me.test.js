// 我的, 搜索工会号, 我的关注, 我的福利 and 正文 against the fake hub.
const { openPage, text, tap, type } = require('../helpers/simulate');
const { signedInHub, profile } = require('../helpers/fake-wx');

let hub;
beforeEach(() => {
  hub = signedInHub();
});
afterEach(() => {
  expect(hub.unexpected).toEqual([]);
});

const account = (code, name, extra = {}) => ({
  code, name, level: 'town', short_name: name, logo_url: null, theme_color: '#d4380d',
  intro: '', parent: null, followed: false, own: false, ...extra,
});

describe('我的', () => {
  test('a verified member sees the masked profile and their union', async () => {
    hub.on('GET', '/mp/v1/me', { body: profile({ union: account('hm-demo', '虎门镇示范企业工会') }) });
    const page = await openPage('pages/me/index');
    expect(text(page)).toContain('*建华');
    expect(text(page)).toContain('已实名认证');
    expect(text(page)).toContain('虎门镇示范企业工会');
    expect(text(page)).toContain('138****8000');
    expect(text(page)).toContain('4419**********1238');
    expect(text(page)).not.toContain('未实名认证');

    await tap(page, '.to-welfare', { inner: '.t-cell__title' });
    await tap(page, '.to-follows', { inner: '.t-cell__title' });
    await tap(page, '.to-search', { inner: '.t-cell__title' });
    expect(hub.navigations).toEqual([
      ['navigateTo', '/pages/welfare/index'],
      ['navigateTo', '/pages/follows/index'],
      ['navigateTo', '/pages/search/index'],
    ]);
  });

  test('a member not yet verified is offered 实名认证', async () => {
    hub.on('GET', '/mp/v1/me', { body: profile({ verified: false, name_masked: '', id_masked: '', phone_masked: '' }) });
    const page = await openPage('pages/me/index');
    expect(text(page)).toContain('未实名认证');
    expect(text(page)).toContain('认证后可一键直达所属工会、领取会员福利');
    await tap(page, '.to-verify', { inner: '.t-cell__title' });
    expect(hub.navigations).toEqual([['navigateTo', '/pages/verification/index']]);
  });
});

describe('搜索工会号', () => {
  test('finds accounts by name and follows one from the list', async () => {
    hub
      .on('GET', '/mp/v1/accounts', (req) => {
        expect(req.query).toEqual({ q: '虎门' });
        return { body: { accounts: [account('humen', '虎门镇总工会'), account('hm-demo', '虎门镇示范企业工会', { own: true, followed: true })] } };
      })
      .on('POST', '/mp/v1/accounts/humen/follow', { body: { followed: true } });

    const page = await openPage('pages/search/index');
    expect(text(page)).toContain('跨区域订阅');
    await type(page, '.search', '虎门', { confirm: true });

    expect(text(page)).toContain('虎门镇总工会');
    expect(text(page)).toContain('镇总工会');
    expect(text(page)).toContain('所属工会');

    await tap(page, '.result', { index: 0, inner: ['.follow', '.t-button'] });
    expect(hub.callsTo('POST', '/mp/v1/accounts/humen/follow')).toHaveLength(1);
    expect(page.instance.data.accounts[0].followed).toBe(true);
    expect(text(page)).toContain('已关注');
  });

  test('no match says so; an empty query is not sent', async () => {
    hub.on('GET', '/mp/v1/accounts', { body: { accounts: [] } });
    const page = await openPage('pages/search/index');
    await page.instance.onSearch();
    expect(text(page)).toContain('请输入工会名称');
    await type(page, '.search', '火星', { confirm: true });
    expect(text(page)).toContain('没有找到名称含“火星”的工会号');
    expect(hub.callsTo('GET', '/mp/v1/accounts')).toHaveLength(1);
  });
});

describe('我的关注', () => {
  test('lists followed accounts; unfollowing one updates it, the own chain refuses', async () => {
    hub
      .on('GET', '/mp/v1/follows', { body: { accounts: [account('meizhou', '梅州市总工会', { level: 'city', followed: true }), account('dongguan', '东莞市总工会', { level: 'city', followed: true })] } })
      .on('DELETE', '/mp/v1/accounts/meizhou/follow', { body: { followed: false } })
      .on('DELETE', '/mp/v1/accounts/dongguan/follow', { status: 409, body: { error: 'conflict', message: '所属工会及其上级工会默认关注，不能取消', fields: { account: '所属工会及其上级工会默认关注，不能取消' } } });

    const page = await openPage('pages/follows/index');
    expect(text(page)).toContain('梅州市总工会');
    expect(text(page)).toContain('东莞市总工会');

    await tap(page, '.followed', { index: 0, inner: ['.follow', '.t-button'] });
    await tap(page, '.followed', { index: 1, inner: ['.follow', '.t-button'] });

    expect(page.instance.data.accounts.map((a) => a.followed)).toEqual([false, true]);
    expect(hub.toasts).toEqual(['已取消关注', '所属工会及其上级工会默认关注，不能取消']);
  });
});

describe('我的福利', () => {
  test('lists what the member got, amounts in yuan, codes and validity', async () => {
    hub.on('GET', '/mp/v1/me/welfare', {
      body: {
        items: [
          { claim_id: 31, campaign_id: 7, kind: 'red_packet', title: '东莞职工红包雨', status: 'claimed', amount_fen: 1288 },
          { claim_id: 30, campaign_id: 9, kind: 'voucher', title: '观影优惠券', status: 'claimed', code: 'DG8K2Q', qr_url: 'https://hub.example.cn/mp/v1/codes/DG8K2Q/qr.png', valid_until: '2026-06-30T23:59:00+08:00', redeemed: false, expired: false },
          { claim_id: 29, campaign_id: 11, kind: 'course', title: '职工电工技能公益课', status: 'waitlisted', position: 2, extra_field: 1 },
        ],
        total_fen: 1288,
      },
    });
    const page = await openPage('pages/welfare/index');
    expect(text(page)).toContain('东莞职工红包雨');
    expect(text(page)).toContain('抢到红包 12.88 元');
    expect(text(page)).toContain('领取成功，券码 DG8K2Q');
    expect(text(page)).toContain('有效期至 6月30日 23:59');
    expect(text(page)).toContain('名额已满，已进入候补第 2 位');
    expect(text(page)).toContain('累计领到红包和奖金 12.88 元');
    expect(page.querySelectorAll('.qr')).toHaveLength(1);

    await tap(page, '.welfare', { index: 1 });
    expect(hub.navigations).toEqual([['navigateTo', '/pages/campaign/index?id=9']]);
  });

  test('nothing yet says where to find campaigns', async () => {
    hub.on('GET', '/mp/v1/me/welfare', { body: { items: [], total_fen: 0 } });
    const page = await openPage('pages/welfare/index');
    expect(text(page)).toContain('还没有领取过福利');
  });
});

describe('正文', () => {
  test('shows a post and leads to its campaign', async () => {
    hub.on('GET', '/mp/v1/posts/8', {
      body: {
        id: 8, title: '百万红包雨今晚开抢', summary: '', kind: 'promotion', account: { code: 'dongguan', name: '东莞市总工会' },
        from_above: true, published_at: '2026-03-05T09:00:00+08:00', cover_url: null, campaign_id: 7, html: '<p>今晚八点准时开抢</p>',
      },
    });
    const page = await openPage('pages/post/index', { id: '8' });
    expect(text(page)).toContain('百万红包雨今晚开抢');
    expect(text(page)).toContain('东莞市总工会');
    expect(text(page)).toContain('上级推送');
    expect(page.instance.data.html).toBe('<p>今晚八点准时开抢</p>');
    await tap(page, '.join');
    expect(hub.navigations).toEqual([['navigateTo', '/pages/campaign/index?id=7']]);
  });

  test('a withdrawn post shows the hub message', async () => {
    hub.on('GET', '/mp/v1/posts/99', { status: 404, body: { error: 'not_found', message: '内容已撤回' } });
    const page = await openPage('pages/post/index', { id: '99' });
    expect(text(page)).toContain('内容已撤回');
  });
});
