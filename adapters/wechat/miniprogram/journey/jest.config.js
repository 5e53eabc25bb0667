// The journey suite (tests/mp/test_mp_journey.py starts a hub and the WeChat sandbox, then
// runs this): the mini-program's real pages and lib/ against a live hub over real HTTP.
const base = require('../package.json').jest;

module.exports = {
  ...base,
  rootDir: '..',
  roots: ['<rootDir>/journey'],
  setupFilesAfterEnv: [],
  testTimeout: 120000,
};
