// What clicks on messages do: inline buttons, links to the bot (opened in-app like a Telegram
// client would), bot commands, spoilers and reply quotes.

import { state } from './state.js';
import { $ } from './dom.js';
import { api } from './api.js';
import { reportError } from './toasts.js';
import { SAFE_URL } from './entities.js';
import { messageElement, openChat } from './chat-view.js';
import { scrollToMessage } from './scroll.js';
import { sendText } from './composer.js';

export async function pressButton(view, data, node) {
  node.classList.add('pending');
  // The button stays busy until the bot answers the callback (or gives up).
  node.pendingTimer = setTimeout(() => node.classList.remove('pending'), 8000);
  try {
    await api('/control/press', {
      user_id: state.personId,
      chat_id: view.chat_id,
      message_id: view.message_id,
      callback_data: data,
    });
  } catch (err) {
    node.classList.remove('pending');
    reportError(err);
  }
}

export function clearPendingButtons(messageId) {
  const node = messageElement(messageId);
  if (!node) return;
  for (const button of node.querySelectorAll('.inline-button.pending')) {
    clearTimeout(button.pendingTimer);
    button.classList.remove('pending');
  }
}

// A t.me link to our bot is what Telegram opens in-app: the private chat plus /start PAYLOAD.
function botDeepLink(url) {
  let parsed;
  try {
    parsed = new URL(url);
  } catch (err) {
    return null;
  }
  let username = '';
  if (parsed.protocol === 'tg:') {
    if (parsed.hostname !== 'resolve' && !parsed.href.startsWith('tg://resolve')) return null;
    username = parsed.searchParams.get('domain') || '';
  } else if (/^(www\.)?(t|telegram)\.me$/i.test(parsed.hostname)) {
    username = parsed.pathname.replace(/^\/+|\/+$/g, '');
  } else {
    return null;
  }
  if (!state.bot.username || username.toLowerCase() !== state.bot.username.toLowerCase()) return null;
  return { start: parsed.searchParams.get('start') };
}

export async function openUrl(url) {
  const link = botDeepLink(url);
  if (!link) {
    if (SAFE_URL.test(url)) window.open(url, '_blank', 'noopener');
    return;
  }
  await openChat(state.personId);
  if (link.start !== null) await sendText(`/start ${link.start}`.trim(), state.personId);
}

// Clicks inside messages: deep links to the bot, bot commands, spoilers, reply quotes.
function onMessagesClick(event) {
  const link = event.target.closest('a[href]');
  if (link && link.closest('.message-text') && botDeepLink(link.href)) {
    event.preventDefault();
    openUrl(link.href);
    return;
  }
  const spoiler = event.target.closest('.spoiler');
  if (spoiler && !spoiler.classList.contains('revealed')) {
    spoiler.classList.add('revealed');
    return;
  }
  const command = event.target.closest('.bot-command');
  if (command) {
    const [name, addressee] = command.dataset.command.split('@');
    if (!addressee || addressee.toLowerCase() === state.bot.username.toLowerCase()) {
      sendText(name).catch(reportError);
    }
    return;
  }
  const quote = event.target.closest('.reply-quote');
  if (quote) scrollToMessage(Number(quote.dataset.target));
}

export function wireMessageActions() {
  $('#messages').addEventListener('click', onMessagesClick);
}
