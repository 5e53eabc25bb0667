// The feed card: renders title, summary, account and tags in Chinese; a tap asks to open it.
const { renderComponent, text, tap } = require('../helpers/simulate');

const post = {
  id: 12,
  title: '梅州市总工会职工疗休养报名开始',
  summary: '一线职工优先',
  accountName: '梅州市总工会',
  timeText: '今天 09:00',
  fromAbove: false,
  isPromotion: false,
  campaignId: null,
  coverUrl: '',
};

test('shows the post with its account and time', async () => {
  const card = renderComponent('components/post-card/index', { post });
  const shown = text(card);
  expect(shown).toContain('梅州市总工会职工疗休养报名开始');
  expect(shown).toContain('一线职工优先');
  expect(shown).toContain('梅州市总工会');
  expect(shown).toContain('今天 09:00');
  expect(shown).not.toContain('上级推送');
  expect(shown).not.toContain('活动');
});

test('tags a promotion pushed down from above', async () => {
  const card = renderComponent('components/post-card/index', {
    post: { ...post, fromAbove: true, isPromotion: true, campaignId: 7 },
  });
  expect(text(card)).toContain('活动');
  expect(text(card)).toContain('上级推送');
});

test('a tap asks the page to open the post, with its campaign', async () => {
  const card = renderComponent('components/post-card/index', { post: { ...post, campaignId: 7 } });
  const opened = [];
  card.addEventListener('open', (evt) => opened.push(evt.detail));
  await tap(card, '.post-card');
  expect(opened).toEqual([{ id: 12, campaignId: 7 }]);
});
