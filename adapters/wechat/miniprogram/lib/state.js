// What the pages share between them: the member's profile, kept in storage so a cold start
// shows it at once, and a flag telling the feed to reload after the member follows or
// unfollows somewhere else.

const PROFILE_KEY = 'member_profile';
let feedStale = false;

function profile() {
  return wx.getStorageSync(PROFILE_KEY) || null;
}

function setProfile(value) {
  if (value) wx.setStorageSync(PROFILE_KEY, value);
  else wx.removeStorageSync(PROFILE_KEY);
}

function isVerified() {
  const p = profile();
  return Boolean(p && p.verified);
}

function markFeedStale() {
  feedStale = true;
}

// True once after markFeedStale: the feed reloads a single time.
function takeFeedStale() {
  const was = feedStale;
  feedStale = false;
  return was;
}

module.exports = { profile, setProfile, isVerified, markFeedStale, takeFeedStale };
