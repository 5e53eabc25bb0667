// Request ids for claims: one per tap, reused on every retry of that tap, so the hub can
// tell a repeated request from a second claim.

function requestId() {
  const rand = () => Math.floor(Math.random() * 0x100000000).toString(16).padStart(8, '0');
  return `${Date.now().toString(16)}-${rand()}-${rand()}`;
}

module.exports = { requestId };
