// panels/centre-time.js — dates and times as the registration centre sees
// them, whatever the browser's zone: appointment slots, check-in windows and
// the workflow clock all run on the centre's local time (the appoint
// module's utc_offset_minutes, UTC+8 by default), which the clock module's
// reply names (`utc_offset_minutes`). Runs in the page.
//
//   const zone = await centreZone(ctx);           // minutes east of UTC
//   centreText(ms, zone, ctx.lang)                 // "2026-12-15 10:30 (UTC+8)"
//   centreText(ms, zone, 'en', { date: true })     // "15 Dec 2026"
//   centreText(ms, zone, 'zh', { date: true, weekday: true, year: false }) // "12月15日 周二"
//   centreParse('2026-12-15', '10:30', zone)       // unix ms, or NaN
//   centreDay(ms, zone)                            // "2026-12-15"

const DEFAULT_ZONE = 480;
const MINUTE_MS = 60000;
let asked = null; // one request per page, kept

/** The centre's zone in minutes east of UTC (asks the clock module once; 480 if it cannot). */
export function centreZone(ctx) {
  if (!asked) {
    asked = ctx.request('clock', 'get').then(
      (r) => (Number.isInteger(r.utc_offset_minutes) ? r.utc_offset_minutes : DEFAULT_ZONE),
      () => {
        asked = null; // ask again next time
        return DEFAULT_ZONE;
      });
  }
  return asked;
}

/** "UTC+8", "UTC-5", "UTC+5:30" for @zone minutes east of UTC. */
export function zoneName(zone) {
  const sign = zone < 0 ? '-' : '+';
  const a = Math.abs(zone);
  const m = a % 60;
  return `UTC${sign}${Math.floor(a / 60)}${m ? `:${String(m).padStart(2, '0')}` : ''}`;
}

const pad = (n) => String(n).padStart(2, '0');

/** The fields of @ms in the centre's zone. */
function fields(ms, zone) {
  const d = new Date(ms + zone * MINUTE_MS);
  return { y: d.getUTCFullYear(), mo: d.getUTCMonth() + 1, d: d.getUTCDate(), h: d.getUTCHours(), mi: d.getUTCMinutes(), s: d.getUTCSeconds(), wd: d.getUTCDay() };
}

/** "YYYY-MM-DD" of @ms in the centre's zone. */
export function centreDay(ms, zone) {
  const f = fields(ms, zone);
  return `${f.y}-${pad(f.mo)}-${pad(f.d)}`;
}

/** "HH:MM" of @ms in the centre's zone. */
export function centreHm(ms, zone) {
  const f = fields(ms, zone);
  return `${pad(f.h)}:${pad(f.mi)}`;
}

const WEEK = { zh: ['周日', '周一', '周二', '周三', '周四', '周五', '周六'], en: ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'] };

/**
 * @ms as the centre's local time with the zone named, in @lang:
 * zh "2026年12月15日 10:30（UTC+8）", en "15 Dec 2026 10:30 (UTC+8)".
 * Options: date (the day only, no zone), seconds, weekday, year (false: leave
 * it out, for days close at hand).
 */
export function centreText(ms, zone, lang, { date = false, seconds = false, weekday = false, year = true } = {}) {
  if (!Number.isFinite(ms) || !ms) return '—';
  const f = fields(ms, zone);
  const zh = lang === 'zh';
  const wd = weekday ? WEEK[zh ? 'zh' : 'en'][f.wd] : '';
  const month = new Date(Date.UTC(2000, f.mo - 1, 1)).toLocaleString('en-GB', { month: 'short', timeZone: 'UTC' });
  const day = zh ? `${year ? `${f.y}年` : ''}${f.mo}月${f.d}日${wd ? ` ${wd}` : ''}`
    : `${wd ? `${wd} ` : ''}${f.d} ${month}${year ? ` ${f.y}` : ''}`;
  if (date) return day;
  const time = `${pad(f.h)}:${pad(f.mi)}${seconds ? `:${pad(f.s)}` : ''}`;
  return zh ? `${day} ${time}（${zoneName(zone)}）` : `${day} ${time} (${zoneName(zone)})`;
}

/** Unix ms of the centre's local @day ("YYYY-MM-DD") at @hm ("HH:MM", default 00:00); NaN if not a date. */
export function centreParse(day, hm = '00:00', zone = DEFAULT_ZONE) {
  const d = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day ?? '');
  const t = /^(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(hm ?? '');
  if (!d || !t) return NaN;
  const ms = Date.UTC(+d[1], +d[2] - 1, +d[3], +t[1], +t[2], +(t[3] ?? 0));
  return ms - zone * MINUTE_MS;
}
