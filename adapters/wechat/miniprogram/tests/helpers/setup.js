// Jest set-up for every test file: what the WeChat runtime gives a mini-program and
// miniprogram-simulate does not (getApp, Page), and TDesign's npm paths resolved the way the
// developer tools' 构建 npm resolves them.
const path = require('path');
const utils = require('miniprogram-simulate/src/utils');

const TDESIGN = 'tdesign-miniprogram/';
const TDESIGN_DIST = '/node_modules/tdesign-miniprogram/miniprogram_dist/';

// In the developer tools "tdesign-miniprogram/button/button" points into miniprogram_npm,
// built from the package's miniprogram_dist. miniprogram-simulate only knows relative and
// root-absolute paths, so each such path becomes the root-absolute path of that folder.
const readJson = utils.readJson;
utils.readJson = (file) => {
  const json = readJson(file);
  const using = json && json.usingComponents;
  if (using) {
    Object.keys(using).forEach((tag) => {
      if (using[tag].startsWith(TDESIGN)) using[tag] = TDESIGN_DIST + using[tag].slice(TDESIGN.length);
    });
  }
  return json;
};

// miniprogram-simulate runs a component's JS with require() and expects Component() to be
// called each time; jest caches modules, so a component used by two pages of one test file
// would register only once. Components run in a fresh module registry every time; pages
// run normally, so they share lib/ modules with the test that drives them.
utils.runJs = (filePath) => {
  if (filePath.includes(`${path.sep}pages${path.sep}`)) {
    require(filePath);
  } else {
    jest.isolateModules(() => require(filePath));
  }
};

global.getApp = () => ({ globalData: {} });
global.getCurrentPages = () => [];

// A page becomes a component with the same data and methods; a test calls its lifecycle
// methods (onLoad, onShow, onReachBottom...) itself, as the WeChat runtime would.
global.Page = (options) => {
  const methods = {};
  Object.keys(options).forEach((key) => {
    if (typeof options[key] === 'function') methods[key] = options[key];
  });
  global.Component({ data: options.data || {}, methods });
};

global.App = (options) => options;

global.MINIPROGRAM_ROOT = path.resolve(__dirname, '..', '..');
