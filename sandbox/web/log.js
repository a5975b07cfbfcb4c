// The Bot API log panel: every call the bot made to the emulator, newest on top.

import { groupById, personById, state } from './state.js';
import { $, el } from './dom.js';
import { api } from './api.js';
import { fmtTimeSec, parseIso } from './time.js';

const MAX_LOG_ENTRIES = 500;

function logChatName(chatId) {
  if (chatId === null || chatId === undefined || chatId === '') return '';
  const group = groupById(chatId);
  if (group) return group.title;
  const person = personById(chatId);
  return person ? person.name : String(chatId);
}

// The log keeps the text parameter as sent (HTML for this bot): show it as plain text.
function plainText(html) {
  const entities = { '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#39;': "'", '&#x27;': "'", '&amp;': '&' };
  return html
    .replace(/<[^>]*>/g, '')
    .replace(/&(lt|gt|quot|#39|#x27|amp);/g, (match) => entities[match])
    .replace(/\s+/g, ' ')
    .trim();
}

function logEntryNode(entry) {
  const failed = (entry.status && entry.status >= 400) || Boolean(entry.error);
  const time = parseIso(entry.time);
  const text = entry.error || plainText(entry.text || '');
  const chat = logChatName(entry.chat_id);
  // Inline spans with real spaces, so the line also reads right as text (copy, innerText);
  // the main part is cut short with an ellipsis so that the status always shows.
  const parts = [
    el('span', { class: 'log-time', text: Number.isNaN(time) ? '' : fmtTimeSec(time) }),
    el('span', { class: 'log-method', text: entry.method || '' }),
    chat ? el('span', { class: 'log-chat', text: chat }) : null,
    text ? el('span', { class: 'log-text', text }) : null,
  ].filter(Boolean);
  return el(
    'li',
    {
      class: `log-entry${failed ? ' error' : ''}${entry.method === 'getUpdates' ? ' polling' : ''}`,
      dataset: { seq: String(entry.seq) },
      title: [entry.method, chat, entry.text, entry.error].filter(Boolean).join('\n'),
    },
    el('span', { class: 'log-main' }, parts.flatMap((part, index) => (index ? [' ', part] : [part]))),
    ' ',
    el('span', { class: 'log-status', text: `[${entry.status ?? ''}]` }),
  );
}

export function addLogEntries(entries) {
  const list = $('#api-log');
  const fresh = entries.filter((e) => e && e.seq > state.lastLogSeq).sort((a, b) => a.seq - b.seq);
  if (!fresh.length) return;
  state.lastLogSeq = fresh[fresh.length - 1].seq;
  // Newest on top.
  const fragment = document.createDocumentFragment();
  for (let i = fresh.length - 1; i >= 0; i -= 1) fragment.append(logEntryNode(fresh[i]));
  list.prepend(fragment);
  while (list.children.length > MAX_LOG_ENTRIES) list.lastElementChild.remove();
}

export async function loadLog() {
  const entries = await api('/control/log?limit=200');
  $('#api-log').replaceChildren();
  state.lastLogSeq = 0;
  addLogEntries(entries || []);
}

export function applyLogFilter() {
  $('#api-log').classList.toggle('hide-polling', $('#log-hide-polling').checked);
}

export function wireLog() {
  $('#log-hide-polling').addEventListener('change', applyLogFilter);
}
