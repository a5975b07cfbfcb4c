// Time: everything is shown in the sandbox zone, on the simulated clock. The simulated clock
// flows at real speed between moves, so the page only keeps its offset from Date.now().

import { state } from './state.js';
import { locale, t } from './i18n.js';

// Building an Intl formatter is slow and they are used for every message: keep them.
export const formatters = new Map();
export function formatter(name, options, lang = locale()) {
  const key = `${lang}|${state.zone}|${name}`;
  if (!formatters.has(key)) {
    formatters.set(key, new Intl.DateTimeFormat(lang, { timeZone: state.zone, ...options }));
  }
  return formatters.get(key);
}

// Python's isoformat has microseconds; keep milliseconds so every browser parses it.
export function parseIso(text) {
  return Date.parse(String(text).replace(/(\.\d{3})\d+/, '$1'));
}

export function simNow() {
  return Date.now() + state.clockOffset;
}

export function setSimNow(iso) {
  const ms = parseIso(iso);
  if (!Number.isNaN(ms)) state.clockOffset = ms - Date.now();
}

export const fmtTime = (ms) => formatter('hm', { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(ms);
export const fmtTimeSec = (ms) => formatter('hms', { hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' }).format(ms);
// en-CA formats as YYYY-MM-DD: a sortable day key in the sandbox zone.
export const dayKey = (ms) => formatter('dayKey', { year: 'numeric', month: '2-digit', day: '2-digit' }, 'en-CA').format(ms);
export const fmtShortDate = (ms) => formatter('md', { month: 'short', day: 'numeric' }).format(ms);
export const fmtDayLong = (ms) => formatter('day', { month: 'long', day: 'numeric', weekday: 'long' }).format(ms);
export const fmtDayShort = (ms) => formatter('dayShort', { month: 'short', day: 'numeric', weekday: 'short' }).format(ms);
export const fmtFullDate = (ms) => formatter('full', { year: 'numeric', month: 'long', day: 'numeric', weekday: 'long' }).format(ms);

// "16:45" today, "明天 09:00" / "tomorrow 09:00", otherwise with the date.
export function fmtMoment(ms) {
  const today = dayKey(simNow());
  const day = dayKey(ms);
  if (day === today) return fmtTime(ms);
  if (day === dayKey(simNow() + 86400000)) return `${t('tomorrow')} ${fmtTime(ms)}`;
  return `${fmtShortDate(ms)} ${fmtTime(ms)}`;
}

// A moment as local ISO minutes in the sandbox zone ("2026-12-07T09:00"), as the clock
// endpoint takes it.
export function localIso(ms) {
  const parts = {};
  const fmt = formatter('input', {
    year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
  }, 'en-CA');
  for (const part of fmt.formatToParts(ms)) parts[part.type] = part.value;
  return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}`;
}

// The clock box shows that with a space: ISO order and 24 hours in either language, which a
// datetime-local input would not give (Chromium draws it in the system's locale, AM/PM too).
export const fmtInputTime = (ms) => localIso(ms).replace('T', ' ');

// What was typed in the clock box ("2026-12-07 09:00", or with a T) as local ISO minutes, or
// null unless it is a real date and time.
export function parseInputTime(text) {
  const match = /^\s*(\d{4})-(\d{1,2})-(\d{1,2})(?:\s+|T)(\d{1,2}):(\d{2})\s*$/.exec(text);
  if (!match) return null;
  const [year, month, day, hour, minute] = match.slice(1).map(Number);
  // Date.UTC rolls a 31 November over into December: a real date comes back unchanged.
  const check = new Date(Date.UTC(year, month - 1, day));
  if (check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day || hour > 23 || minute > 59) {
    return null;
  }
  const pad = (n) => String(n).padStart(2, '0');
  return `${year}-${pad(month)}-${pad(day)}T${pad(hour)}:${pad(minute)}`;
}
