// The reply keyboard above the input: set by the latest bot message that carried one.

import { state } from './state.js';
import { $, el } from './dom.js';
import { reportError } from './toasts.js';
import { visibleMessages } from './chat-view.js';
import { sendText } from './composer.js';

function currentKeyboard() {
  const views = visibleMessages();
  for (let i = views.length - 1; i >= 0; i -= 1) {
    const view = views[i];
    if (view.from.is_bot && view.keyboard) return view;
  }
  return null;
}

export function updateReplyKeyboard() {
  const container = $('#reply-keyboard');
  const toggle = $('#keyboard-toggle');
  const view = currentKeyboard();
  const rows = view && Array.isArray(view.keyboard.keyboard) ? view.keyboard.keyboard : null;
  toggle.hidden = !rows;
  if (!rows) {
    container.hidden = true;
    container.replaceChildren();
    container.dataset.messageId = '';
    return;
  }
  const key = `${view.chat_id}:${view.message_id}`;
  if (container.dataset.messageId !== String(view.message_id)) {
    state.keyboardClosed = state.hiddenKeyboards.has(key);
    container.replaceChildren(...rows.map((row) => el('div', { class: 'reply-row' }, row.map((button) => {
      const text = typeof button === 'string' ? button : button.text;
      return el('button', {
        type: 'button',
        class: 'reply-button',
        text,
        onclick: () => pressReplyButton(view, text),
      });
    }))));
    container.dataset.messageId = String(view.message_id);
    container.classList.toggle('compact', Boolean(view.keyboard.resize_keyboard));
  }
  container.hidden = state.keyboardClosed || $('#composer').hidden;
  toggle.classList.toggle('active', !container.hidden);
}

async function pressReplyButton(view, text) {
  if (view.keyboard.one_time_keyboard) {
    state.hiddenKeyboards.add(`${view.chat_id}:${view.message_id}`);
    state.keyboardClosed = true;
    updateReplyKeyboard();
  }
  try {
    await sendText(text);
  } catch (err) {
    reportError(err);
  }
}

export function wireReplyKeyboard() {
  $('#keyboard-toggle').addEventListener('click', () => {
    state.keyboardClosed = !state.keyboardClosed;
    updateReplyKeyboard();
  });
}
