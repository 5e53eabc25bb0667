// Cursor paging: pages follow next_cursor until it is null, a refresh starts over, an id
// already shown is not shown twice.
const { createPager } = require('../../lib/paging');

function pagesFrom(pages) {
  const asked = [];
  const fetchPage = async (cursor) => {
    asked.push(cursor);
    return pages[cursor === null ? 'first' : cursor];
  };
  return { asked, fetchPage };
}

test('follows next_cursor page by page and stops when it is null', async () => {
  const { asked, fetchPage } = pagesFrom({
    first: { items: [{ id: 3 }, { id: 2 }], next_cursor: 'c2' },
    c2: { items: [{ id: 1 }], next_cursor: null },
  });
  const pager = createPager(fetchPage);
  await pager.refresh();
  expect(pager.items.map((p) => p.id)).toEqual([3, 2]);
  expect(pager.done).toBe(false);
  await pager.more();
  expect(pager.items.map((p) => p.id)).toEqual([3, 2, 1]);
  expect(pager.done).toBe(true);
  await pager.more(); // nothing more to ask for
  expect(asked).toEqual([null, 'c2']);
});

test('a post already in the list is not added again', async () => {
  const { fetchPage } = pagesFrom({
    first: { items: [{ id: 5 }, { id: 4 }], next_cursor: 'c2' },
    c2: { items: [{ id: 4 }, { id: 3 }], next_cursor: null },
  });
  const pager = createPager(fetchPage);
  await pager.refresh();
  await pager.more();
  expect(pager.items.map((p) => p.id)).toEqual([5, 4, 3]);
});

test('refresh starts again from the first page', async () => {
  const { asked, fetchPage } = pagesFrom({
    first: { items: [{ id: 2 }], next_cursor: 'c2' },
    c2: { items: [{ id: 1 }], next_cursor: null },
  });
  const pager = createPager(fetchPage);
  await pager.refresh();
  await pager.more();
  await pager.refresh();
  expect(pager.items.map((p) => p.id)).toEqual([2]);
  expect(pager.done).toBe(false);
  expect(asked).toEqual([null, 'c2', null]);
});

test('a second "more" while one is loading asks once', async () => {
  let release;
  const asked = [];
  const pager = createPager((cursor) => {
    asked.push(cursor);
    if (cursor === null) return Promise.resolve({ items: [{ id: 2 }], next_cursor: 'c2' });
    return new Promise((resolve) => {
      release = () => resolve({ items: [{ id: 1 }], next_cursor: null });
    });
  });
  await pager.refresh();
  const first = pager.more();
  const second = pager.more();
  release();
  await Promise.all([first, second]);
  expect(asked).toEqual([null, 'c2']);
  expect(pager.items.map((p) => p.id)).toEqual([2, 1]);
});

test('an empty first page is loaded and empty, and a failed page keeps what was shown', async () => {
  const empty = createPager(async () => ({ items: [], next_cursor: null }));
  expect(empty.loaded).toBe(false);
  await empty.refresh();
  expect(empty.loaded).toBe(true);
  expect(empty.items).toEqual([]);

  const pager = createPager(async (cursor) => {
    if (cursor === null) return { items: [{ id: 1 }], next_cursor: 'c2' };
    throw new Error('网络不给力');
  });
  await pager.refresh();
  await expect(pager.more()).rejects.toThrow('网络不给力');
  expect(pager.items.map((p) => p.id)).toEqual([1]);
  expect(pager.loading).toBe(false);
  expect(pager.cursor).toBe('c2'); // the next try asks for the same page
});
