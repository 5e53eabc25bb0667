// Pure formatting for the pages: money in yuan, times in Beijing time, labels in Chinese.
// No wx calls here, so every rule is unit-tested on its own.

const SHANGHAI_OFFSET_MS = 8 * 3600 * 1000;
const DAY_MS = 24 * 3600 * 1000;

// Amounts travel as integer fen; integer arithmetic avoids 0.1 + 0.2 style drift.
function yuan(fen) {
  const n = Number(fen);
  if (!Number.isFinite(n)) return '';
  const sign = n < 0 ? '-' : '';
  const abs = Math.round(Math.abs(n));
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

function pad(n) {
  return String(n).padStart(2, '0');
}

// Wall-clock parts in Asia/Shanghai whatever the phone's own time zone is.
function shanghaiParts(date) {
  const d = new Date(date.getTime() + SHANGHAI_OFFSET_MS);
  return {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    dayNumber: Math.floor((date.getTime() + SHANGHAI_OFFSET_MS) / DAY_MS),
  };
}

function parseTime(iso) {
  if (!iso) return null;
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? null : date;
}

// Feed style: 刚刚 / N分钟前 / 今天 09:30 / 昨天 18:05 / 3月5日 / 2025年3月5日.
function relativeTime(iso, now = new Date()) {
  const date = parseTime(iso);
  if (!date) return '';
  const ageMs = now.getTime() - date.getTime();
  if (ageMs >= 0 && ageMs < 60 * 1000) return '刚刚';
  if (ageMs >= 0 && ageMs < 3600 * 1000) return `${Math.floor(ageMs / 60000)}分钟前`;
  const t = shanghaiParts(date);
  const today = shanghaiParts(now);
  const hm = `${pad(t.hour)}:${pad(t.minute)}`;
  if (t.dayNumber === today.dayNumber) return `今天 ${hm}`;
  if (t.dayNumber === today.dayNumber - 1) return `昨天 ${hm}`;
  if (t.year === today.year) return `${t.month}月${t.day}日`;
  return `${t.year}年${t.month}月${t.day}日`;
}

// Campaign windows: 3月5日 10:00.
function dateTime(iso) {
  const date = parseTime(iso);
  if (!date) return '';
  const t = shanghaiParts(date);
  return `${t.month}月${t.day}日 ${pad(t.hour)}:${pad(t.minute)}`;
}

const LEVEL_LABELS = {
  province: '省总工会',
  city: '市总工会',
  district: '区县总工会',
  town: '镇总工会',
  street: '街道总工会',
  grassroots: '基层工会',
};

function levelLabel(level) {
  return LEVEL_LABELS[level] || '工会';
}

// The hub names its media by path; an <image> needs the whole address.
function absoluteUrl(url, base) {
  if (!url) return '';
  return url.startsWith('/') && base ? base + url : url;
}

// A post as the feed card shows it; fields the card does not know are dropped. `base`: the
// hub's address, for the cover.
function postView(post, now = new Date(), base = '') {
  const account = post.account || {};
  return {
    id: post.id,
    title: post.title || '',
    summary: post.summary || '',
    accountCode: account.code || '',
    accountName: account.name || '',
    fromAbove: Boolean(post.from_above),
    isPromotion: post.kind === 'promotion',
    campaignId: post.campaign_id || null,
    coverUrl: absoluteUrl(post.cover_url, base),
    timeText: relativeTime(post.published_at, now),
  };
}

// An account as the pages show it. `base`: the hub's address, for a logo from its media
// library (the console's upload gives one by path).
function accountView(account, base = '') {
  const parent = account.parent || null;
  return {
    code: account.code,
    name: account.name || '',
    shortName: account.short_name || account.name || '',
    levelText: levelLabel(account.level),
    logoUrl: absoluteUrl(account.logo_url, base),
    themeColor: account.theme_color || '#d4380d',
    intro: account.intro || '',
    parentCode: parent ? parent.code : '',
    parentName: parent ? parent.name : '',
    followed: Boolean(account.followed),
    own: Boolean(account.own),
    children: (account.children || []).map((c) => ({ code: c.code, name: c.name })),
  };
}

module.exports = {
  yuan,
  relativeTime,
  dateTime,
  levelLabel,
  postView,
  accountView,
  absoluteUrl,
};
