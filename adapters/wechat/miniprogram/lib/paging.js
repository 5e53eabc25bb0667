// Cursor paging for lists the hub serves as {items, next_cursor}: first page, next page on
// reaching the bottom, refresh on pull-down. A post that reached several followed accounts
// arrives once from the hub; the pager also drops an id it already holds, in case a new
// post shifted the pages between two loads.

function createPager(fetchPage) {
  const pager = {
    items: [],
    cursor: null,
    done: false,
    loading: false,
    loaded: false, // at least one page answered: an empty list now means "nothing yet"
  };
  let generation = 0; // a refresh makes any page still in flight stale

  async function load(reset) {
    if (pager.loading && !reset) return pager;
    if (!reset && pager.done) return pager;
    const mine = ++generation;
    pager.loading = true;
    try {
      const page = await fetchPage(reset ? null : pager.cursor);
      if (mine !== generation) return pager;
      const items = page.items || [];
      const seen = reset ? new Set() : new Set(pager.items.map((it) => it.id));
      const fresh = items.filter((it) => !seen.has(it.id) && seen.add(it.id));
      pager.items = reset ? fresh : pager.items.concat(fresh);
      pager.cursor = page.next_cursor || null;
      pager.done = !pager.cursor;
      pager.loaded = true;
      return pager;
    } finally {
      if (mine === generation) pager.loading = false;
    }
  }

  pager.refresh = () => load(true);
  pager.more = () => load(false);
  return pager;
}

module.exports = { createPager };
