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

// The value a datetime-local input wants, for a moment in the sandbox zone.
export function localInputValue(ms) {
  const parts = {};
  const fmt = formatter('input', {
    year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
  }, 'en-CA');
  for (const part of fmt.formatToParts(ms)) parts[part.type] = part.value;
  return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}`;
}
