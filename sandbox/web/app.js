// Sandbox web chat: a small Telegram-like client of the Bot API emulator's control API.
//
// Everything the page shows comes from three places: GET /sandbox/state (people, groups,
// clock, presets), the emulator's /control/* endpoints (chats, messages, log) and the
// server-sent event stream, which keeps the page live without polling. This entry module
// only wires the feature modules together and starts the page.
//
// Security rule for every module: message data, names and titles are only ever put into the
// DOM through textContent / attributes of elements created with createElement (see dom.js),
// never innerHTML.

import { state, STORAGE_LANG } from './state.js';
import { $ } from './dom.js';
import { applyStaticTexts } from './i18n.js';
import { reportError } from './toasts.js';
import { reloadEverything } from './sync.js';
import { renderPersonSelect, wirePeople } from './people.js';
import { renderChatList } from './chat-list.js';
import { wireMessageActions } from './message-actions.js';
import { renderChatHeader, renderMessages } from './chat-view.js';
import { wireScrolling } from './scroll.js';
import { wireComposer } from './composer.js';
import { wireReplyKeyboard } from './reply-keyboard.js';
import { renderClockStatus, renderPresets, tickClock, wireClock } from './clock.js';
import { applyLogFilter, wireLog } from './log.js';
import { setConnection } from './events.js';

function setLanguage(lang) {
  state.lang = lang;
  localStorage.setItem(STORAGE_LANG, lang);
  applyStaticTexts();
  renderPersonSelect();
  renderChatList();
  renderChatHeader();
  renderPresets();
  renderClockStatus();
  tickClock();
  const box = $('#messages');
  const fromBottom = box.scrollHeight - box.scrollTop;
  renderMessages();
  box.scrollTop = box.scrollHeight - fromBottom;
}

// The first load; while the demo is still starting (503 "starting") or down, keep retrying
// quietly, with a toast only for other errors.
async function start(attempt = 0) {
  try {
    await reloadEverything();
  } catch (err) {
    setConnection('reconnecting');
    if (err.code !== 'starting' && err.code !== 'network') reportError(err);
    setTimeout(() => start(attempt + 1), Math.min(1000 * 2 ** attempt, 5000));
  }
}

function wireEvents() {
  wirePeople();
  $('#lang-toggle').addEventListener('click', () => setLanguage(state.lang === 'en' ? 'zh' : 'en'));
  wireClock();
  wireComposer();
  wireReplyKeyboard();
  wireScrolling();
  wireMessageActions();
  wireLog();
}

function boot() {
  applyStaticTexts();
  applyLogFilter();
  wireEvents();
  setInterval(tickClock, 1000);
  start();
}

boot();
