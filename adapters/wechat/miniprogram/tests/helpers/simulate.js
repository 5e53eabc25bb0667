// Rendering the mini-program's components and pages with miniprogram-simulate, and reading
// and tapping what they render.
const path = require('path');
const simulate = require('miniprogram-simulate');

const ROOT = global.MINIPROGRAM_ROOT;

// Jest keeps modules cached, so a component's JS runs (and registers it) only on its first
// load in a test file; later renders reuse that registration.
const loaded = {};
function load(relPath) {
  if (!loaded[relPath]) {
    loaded[relPath] = simulate.load(path.join(ROOT, relPath), { compiler: 'simulate', rootPath: ROOT });
  }
  return loaded[relPath];
}

function renderComponent(relPath, properties) {
  const comp = simulate.render(load(relPath), properties);
  comp.attach(document.createElement('parent-wrapper'));
  return comp;
}

// Renders a page (as a component) and runs onLoad with the page's query, as WeChat does
// when the page opens.
async function openPage(relPath, query = {}) {
  const page = renderComponent(relPath);
  if (page.instance.onLoad) await page.instance.onLoad(query);
  if (page.instance.onShow) await page.instance.onShow();
  return page;
}

function text(comp) {
  return comp.dom.textContent.replace(/\s+/g, ' ').trim();
}

// Taps the element the selector finds (the index-th of them) and waits for what the tap
// started. Inside a custom component the finger lands on an element of its own: `inner`
// names it, one selector per component level (a TDesign button is tapped on its inner
// <button> by default).
async function tap(comp, selector, { index = 0, inner = '.t-button' } = {}) {
  let landing = comp.querySelectorAll(selector)[index];
  if (!landing) throw new Error(`nothing matches ${selector} [${index}]`);
  for (const step of [].concat(inner)) {
    const next = landing.querySelector(step);
    if (!next && Array.isArray(inner)) throw new Error(`nothing matches ${step} inside ${selector}`);
    landing = next || landing;
  }
  landing.dispatchEvent('tap'); // j-component delivers events asynchronously
  await settle();
}

// Types into a TDesign input or search box: the inner <input> fires "input" as a keyboard
// would; `confirm` then presses the keyboard's 完成/搜索 key.
async function type(comp, selector, value, { confirm = false } = {}) {
  const host = comp.querySelector(selector);
  if (!host) throw new Error(`nothing matches ${selector}`);
  const input = host.querySelector('.t-class-input');
  if (!input) throw new Error(`${selector} has no input`);
  input.dispatchEvent('input', { detail: { value, cursor: value.length } });
  await settle();
  if (confirm) {
    input.dispatchEvent('confirm', { detail: { value } });
    await settle();
  }
}

// Lets fake answers (sent on timers) and the promise chains behind them run to the end.
async function settle(rounds = 20) {
  for (let i = 0; i < rounds; i += 1) {
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
}

module.exports = { load, renderComponent, openPage, text, tap, type, settle };
