// The bot's chat actions ("typing…"), shown in the chat list, the chat header and above the
// composer until the bot sends its message or the action runs out.

import { chatById, state } from './state.js';
import { $ } from './dom.js';
import { t } from './i18n.js';
import { chatListItem } from './chat-list.js';
import { renderChatHeader } from './chat-view.js';
import { scrollToBottom } from './scroll.js';

const TYPING_MS = 5500; // Telegram shows a chat action for about five seconds

export function typingText(chatId) {
  const typing = state.typing.get(chatId);
  if (!typing) return '';
  const key = typing.action === 'typing' ? 'typing' : typing.action.startsWith('upload') ? 'uploading' : 'choosing';
  return t(key, { name: state.bot.name });
}

export function setTyping(chatId, action) {
  const previous = state.typing.get(chatId);
  if (previous) clearTimeout(previous.timer);
  if (action === 'cancel' || !action) {
    state.typing.delete(chatId);
  } else {
    const timer = setTimeout(() => setTyping(chatId, null), TYPING_MS);
    state.typing.set(chatId, { action, timer });
  }
  renderTyping(chatId);
}

export function renderTyping(chatId) {
  const item = $(`#chat-list .chat-item[data-chat-id="${chatId}"]`);
  const chat = chatById(chatId);
  if (item && chat) item.replaceWith(chatListItem(chat));
  if (chatId !== state.openChatId) return;
  renderChatHeader();
  const text = typingText(chatId);
  const indicator = $('#typing-indicator');
  const wasStuck = state.stuckToBottom;
  indicator.hidden = !text;
  $('#typing-text').textContent = text;
  // Room under the last message so the indicator does not cover it.
  $('#messages-wrap').classList.toggle('typing', Boolean(text));
  if (text && wasStuck) scrollToBottom(true);
}
