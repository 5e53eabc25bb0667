// The project as the WeChat developer tools open it: every page listed in app.json has its
// four files, every component a page or component uses exists, tab pages are pages.
const fs = require('fs');
const path = require('path');

const ROOT = path.resolve(__dirname, '..');
const read = (rel) => JSON.parse(fs.readFileSync(path.join(ROOT, rel), 'utf8'));
const app = read('app.json');

function componentFiles(jsonRel) {
  const using = read(jsonRel).usingComponents || {};
  return Object.entries(using).map(([tag, target]) => {
    let base;
    if (target.startsWith('tdesign-miniprogram/')) {
      base = path.join(ROOT, 'node_modules/tdesign-miniprogram/miniprogram_dist', target.slice('tdesign-miniprogram/'.length));
    } else if (target.startsWith('/')) {
      base = path.join(ROOT, target);
    } else {
      base = path.join(ROOT, path.dirname(jsonRel), target);
    }
    return { tag, base };
  });
}

test.each(app.pages)('page %s has its js, json, wxml and wxss', (page) => {
  for (const ext of ['js', 'json', 'wxml', 'wxss']) {
    expect(fs.existsSync(path.join(ROOT, `${page}.${ext}`))).toBe(true);
  }
});

test.each(app.pages)('every component %s uses exists', (page) => {
  for (const { tag, base } of componentFiles(`${page}.json`)) {
    expect([tag, fs.existsSync(`${base}.json`)]).toEqual([tag, true]);
  }
});

const components = fs.readdirSync(path.join(ROOT, 'components')).map((name) => `components/${name}/index`);

test.each(components)('component %s has its files and its own components exist', (component) => {
  for (const ext of ['js', 'json', 'wxml', 'wxss']) {
    expect(fs.existsSync(path.join(ROOT, `${component}.${ext}`))).toBe(true);
  }
  expect(read(`${component}.json`).component).toBe(true);
  for (const { tag, base } of componentFiles(`${component}.json`)) {
    expect([tag, fs.existsSync(`${base}.json`)]).toEqual([tag, true]);
  }
});

test('tab pages are pages, and the app has its config files', () => {
  for (const tab of app.tabBar.list) expect(app.pages).toContain(tab.pagePath);
  expect(app.tabBar.list.map((t) => t.text)).toEqual(['首页', '我的工会', '我的']);
  const project = read('project.config.json');
  expect(project.compileType).toBe('miniprogram');
  expect(read('sitemap.json').rules.length).toBeGreaterThan(0);
  expect(read('package.json').dependencies['tdesign-miniprogram']).toMatch(/^\d+\.\d+\.\d+$/);
});
