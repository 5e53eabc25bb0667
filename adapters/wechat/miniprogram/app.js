// The union mini-program (粤工惠): signs the member in to the hub in the background at launch
// so the first page finds a token; every page also signs in on its own when it must.
const api = require('./lib/api');

App({
  onLaunch() {
    // A failed sign-in here is not shown: the page that needs the hub shows its own error.
    api.signIn().catch(() => {});
  },
  globalData: {},
});
