// A 地推 code's scene becomes the page's query; a link's own query wins; a broken scene is
// dropped rather than stopping the page.
const { landingQuery } = require('../../lib/source');

test('a scene as WeChat hands it becomes the query', () => {
  expect(landingQuery({ scene: encodeURIComponent('id=12&src=dt-3') })).toEqual({ id: '12', src: 'dt-3' });
});

test('a query without a scene is left as it is, and its own fields win', () => {
  expect(landingQuery({ id: '7', src: 'led' })).toEqual({ id: '7', src: 'led' });
  expect(landingQuery({ id: '7', scene: encodeURIComponent('id=9&src=dt-1') })).toEqual({ id: '7', src: 'dt-1' });
  expect(landingQuery(undefined)).toEqual({});
});

test('a scene that does not decode opens the page without it', () => {
  expect(landingQuery({ id: '7', scene: '%E0%A4%A' })).toEqual({ id: '7' });
});
