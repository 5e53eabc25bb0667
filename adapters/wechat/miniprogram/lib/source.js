// Where the member came from, as the page that opens is told: an outlet's `src` on its link
// (led, splash, wechat, mp_subscribe…) or a 地推 code. WeChat hands a mini-program code's
// scene to the page as `scene`, URI-encoded ("id%3D12%26src%3Ddt-3"); its fields are the
// page's own query, so a scan opens the page as a link with the same query would.
function landingQuery(query) {
  const q = { ...(query || {}) };
  if (!q.scene) return q;
  let scene = '';
  try {
    scene = decodeURIComponent(q.scene);
  } catch (err) {
    scene = ''; // an edited code: open the page without it
  }
  delete q.scene;
  scene.split('&').forEach((pair) => {
    const at = pair.indexOf('=');
    const key = at > 0 ? pair.slice(0, at) : '';
    if (key && q[key] === undefined) q[key] = pair.slice(at + 1);
  });
  return q;
}

module.exports = { landingQuery };
