// The left column: the acting person's chats with previews, times and unread badges.

import { chatById, nameOf, state } from './state.js';
import { $, debounce, el, setAvatar } from './dom.js';
import { t } from './i18n.js';
import { api } from './api.js';
import { dayKey, fmtShortDate, fmtTime, simNow } from './time.js';
import { reportError } from './toasts.js';
import { typingText } from './typing.js';
import { messageSummary } from './message-node.js';
import { openChat } from './chat-view.js';

function privateChatEntry(found) {
  return {
    ...(found || {}),
    id: state.personId,
    type: 'private',
    title: state.bot.name,
    last_message: found ? found.last_message : null,
  };
}

export async function loadChats() {
  const personId = state.personId;
  const chats = await api(`/control/users/${personId}/chats`);
  if (personId !== state.personId) return; // switched person meanwhile
  // The private chat with the bot is always first, even before the person talked to it.
  const privateChat = chats.find((c) => c.type === 'private' && (c.bot_id == null || c.bot_id === state.bot.id));
  const groupChats = chats.filter((c) => c.type !== 'private');
  state.chats = [privateChatEntry(privateChat), ...groupChats];
  for (const chat of state.chats) {
    const last = chat.last_message;
    if (last && !(state.lastKnownId.get(chat.id) >= last.message_id)) {
      state.lastKnownId.set(chat.id, last.message_id);
    }
  }
  renderChatList();
}

export const reloadChats = debounce(() => loadChats().catch(reportError), 300);

export function chatTitle(chat) {
  if (!chat) return '';
  return chat.type === 'private' ? state.bot.name : chat.title || String(chat.id);
}

export function renderChatList() {
  const list = $('#chat-list');
  const items = state.chats.map((chat) => chatListItem(chat));
  list.replaceChildren(...items);
}

export function chatListItem(chat) {
  const isPrivate = chat.type === 'private';
  const avatar = el('span', { class: 'avatar' });
  setAvatar(avatar, { id: chat.id, title: chatTitle(chat), isBot: isPrivate, isGroup: !isPrivate });
  const last = chat.last_message;
  const typing = typingText(chat.id);
  const preview = el('div', { class: 'chat-preview' });
  if (typing) {
    preview.classList.add('is-typing');
    preview.textContent = typing;
  } else if (last) {
    const sender = previewSender(last, isPrivate);
    if (sender) preview.append(el('span', { class: 'chat-preview-sender', text: `${sender}: ` }));
    preview.append(document.createTextNode(messageSummary(last)));
  }
  const unread = state.unread.get(chat.id) || 0;
  const item = el(
    'li',
    {
      class: `chat-item${chat.id === state.openChatId ? ' active' : ''}`,
      dataset: { chatId: String(chat.id) },
      role: 'option',
      'aria-selected': chat.id === state.openChatId ? 'true' : 'false',
      tabindex: '0',
      onclick: () => openChatFromList(chat.id),
      onkeydown: (event) => {
        if (event.key === 'Enter' || event.key === ' ') {
          event.preventDefault();
          openChatFromList(chat.id);
        }
      },
    },
    avatar,
    el(
      'div',
      { class: 'chat-item-body' },
      el(
        'div',
        { class: 'chat-item-top' },
        el('span', { class: 'chat-name' }, isPrivate ? el('span', { class: 'bot-tag', text: t('bot') }) : null, chatTitle(chat)),
        el('span', { class: 'chat-time', text: last ? fmtListTime(last.date * 1000) : '' }),
      ),
      el(
        'div',
        { class: 'chat-item-bottom' },
        preview,
        unread > 0 ? el('span', { class: 'unread', text: unread > 99 ? '99+' : String(unread) }) : null,
      ),
    ),
  );
  return item;
}

// Clicking the open chat again does nothing, as in Telegram (no reload, no flicker).
function openChatFromList(chatId) {
  if (chatId !== state.openChatId) openChat(chatId).catch(reportError);
}

function fmtListTime(ms) {
  return dayKey(ms) === dayKey(simNow()) ? fmtTime(ms) : fmtShortDate(ms);
}

function previewSender(view, isPrivate) {
  if (view.service) return '';
  if (!view.from.is_bot && view.from.id === state.personId) return t('you');
  return isPrivate ? '' : nameOf(view.from.id, view.from.first_name);
}

export function bumpChatPreview(view) {
  const chat = chatById(view.chat_id);
  if (!chat) return;
  const last = chat.last_message;
  if (!last || view.message_id >= last.message_id) chat.last_message = view;
}
