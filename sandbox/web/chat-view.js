// The open chat: its header, the message list kept in step with events, and the pinned bar.

import { chatById, groupById, isOwn, state } from './state.js';
import { $, el, setAvatar } from './dom.js';
import { t, tableOf } from './i18n.js';
import { api } from './api.js';
import { dayKey, fmtDayLong } from './time.js';
import { reportError } from './toasts.js';
import { chatTitle, renderChatList } from './chat-list.js';
import { renderTyping, typingText } from './typing.js';
import { messageNode, messageSummary } from './message-node.js';
import { isNearBottom, scrollToBottom, updateDayPill, updateScrollButton } from './scroll.js';
import { closeCommandPopup, loadCommands, updateComposer } from './composer.js';
import { updateReplyKeyboard } from './reply-keyboard.js';

export async function openChat(chatId) {
  chatId = Number(chatId);
  const seq = ++state.openSeq;
  state.openChatId = chatId;
  state.unread.delete(chatId);
  state.messages = new Map();
  state.pinOrder = [];
  state.keyboardClosed = false;
  state.pendingNew = 0;
  state.commands = [];
  closeCommandPopup();
  renderChatList();
  $('#messages').replaceChildren();
  updateDayPill();
  renderTyping(chatId);
  renderPinnedBar();
  updateReplyKeyboard();
  updateComposer();
  try {
    const views = await api(`/control/chats/${chatId}/messages`);
    if (seq !== state.openSeq) return;
    for (const view of views) state.messages.set(view.message_id, view);
    state.pinOrder = pinOrderFromHistory(views);
    const last = views.length ? views[views.length - 1].message_id : 0;
    if (last) state.lastKnownId.set(chatId, Math.max(last, state.lastKnownId.get(chatId) || 0));
    renderMessages();
    scrollToBottom();
  } catch (err) {
    if (seq === state.openSeq) reportError(err);
  }
  updateComposer();
  loadCommands(chatId, seq);
  if (window.matchMedia('(pointer: fine)').matches) $('#composer-input').focus({ preventScroll: true });
}

// Pins as they happened, from the "pinned a message" service messages, so that the bar shows
// the most recently pinned message and not simply the newest one.
function pinOrderFromHistory(views) {
  const order = [];
  for (const view of views) {
    const pinned = view.service && view.service.pinned_message;
    if (pinned == null) continue;
    const id = Number(typeof pinned === 'object' ? pinned.message_id : pinned);
    const at = order.indexOf(id);
    if (at >= 0) order.splice(at, 1);
    order.push(id);
  }
  for (const view of views) {
    if (view.pinned && !order.includes(view.message_id)) order.unshift(view.message_id);
  }
  return order;
}

export function renderChatHeader() {
  const chat = chatById(state.openChatId);
  const avatar = $('#chat-avatar');
  const title = $('#chat-title');
  const subtitle = $('#chat-subtitle');
  if (!chat) {
    title.textContent = '';
    subtitle.textContent = '';
    avatar.hidden = true;
    return;
  }
  const isPrivate = chat.type === 'private';
  avatar.hidden = false;
  setAvatar(avatar, { id: chat.id, title: chatTitle(chat), isBot: isPrivate, isGroup: !isPrivate });
  title.textContent = chatTitle(chat);
  const typing = typingText(chat.id);
  subtitle.classList.toggle('is-typing', Boolean(typing));
  if (typing) {
    subtitle.textContent = typing;
  } else if (isPrivate) {
    subtitle.textContent = `${t('bot')} · @${state.bot.username}`;
  } else {
    const group = groupById(chat.id);
    const parts = group ? [group.unit_name, tableOf('purposes')[group.purpose] || group.purpose] : [t('group')];
    subtitle.textContent = parts.filter(Boolean).join(' · ');
  }
}

export function visibleMessages() {
  return [...state.messages.values()]
    .filter((v) => !v.deleted)
    .sort((a, b) => a.message_id - b.message_id);
}

export function renderMessages() {
  const container = $('#messages');
  const nodes = [];
  let previous = null;
  const views = visibleMessages();
  for (const view of views) {
    const separator = daySeparatorBetween(previous, view);
    if (separator) nodes.push(separator);
    nodes.push(decorate(messageNode(view), previous, view));
    previous = view;
  }
  if (!views.length) nodes.push(el('div', { class: 'empty-chat', text: t('noMessages') }));
  container.replaceChildren(...nodes);
  updateDayPill();
  renderPinnedBar();
  updateReplyKeyboard();
  updateComposer();
}

function daySeparatorBetween(previous, view) {
  const day = dayKey(view.date * 1000);
  if (previous && dayKey(previous.date * 1000) === day) return null;
  return el('div', { class: 'day-separator', dataset: { day } }, el('span', { text: fmtDayLong(view.date * 1000) }));
}

// Consecutive messages of one sender close together form a group: one name, tight spacing.
function decorate(node, previous, view) {
  const continues = previous && !previous.service && !view.service
    && previous.from.id === view.from.id
    && view.date - previous.date < 600
    && dayKey(previous.date * 1000) === dayKey(view.date * 1000);
  if (continues) node.classList.add('cont');
  return node;
}

export function messageElement(messageId) {
  return $('#messages').querySelector(`.message[data-message-id="${Number(messageId)}"]`);
}

function previousVisible(view) {
  let best = null;
  for (const other of state.messages.values()) {
    if (other.deleted || other.message_id >= view.message_id) continue;
    if (!best || other.message_id > best.message_id) best = other;
  }
  return best;
}

// A new message in the open chat: append it, keeping the reader where they are.
export function appendMessage(view) {
  const container = $('#messages');
  const stick = isNearBottom() || isOwn(view);
  const existing = messageElement(view.message_id);
  state.messages.set(view.message_id, view);
  if (existing) {
    replaceMessage(view);
    return;
  }
  const rendered = container.querySelectorAll('.message');
  const last = rendered[rendered.length - 1];
  if (last && Number(last.dataset.messageId) > view.message_id) {
    renderMessages(); // arrived out of order: simplest to redraw
    return;
  }
  container.querySelector('.empty-chat')?.remove();
  const previous = previousVisible(view);
  const separator = daySeparatorBetween(previous, view);
  if (separator) container.append(separator);
  const node = decorate(messageNode(view), previous, view);
  node.classList.add('appear');
  container.append(node);
  updateReplyKeyboard();
  updateComposer();
  if (stick) {
    scrollToBottom(true);
  } else {
    state.pendingNew += 1;
    updateScrollButton();
  }
}

export function replaceMessage(view) {
  state.messages.set(view.message_id, view);
  const existing = messageElement(view.message_id);
  if (!existing) return;
  if (view.deleted) {
    removeMessage(view.message_id);
    return;
  }
  const node = decorate(messageNode(view), previousVisible(view), view);
  node.classList.toggle('cont', existing.classList.contains('cont'));
  existing.replaceWith(node);
  renderPinnedBar();
  updateReplyKeyboard();
}

export function removeMessage(messageId) {
  const node = messageElement(messageId);
  state.pinOrder = state.pinOrder.filter((id) => id !== messageId);
  renderPinnedBar();
  updateReplyKeyboard();
  if (!node) return;
  node.classList.add('removing');
  // Let the fade play, then tidy up a day separator left with no messages under it.
  setTimeout(() => {
    const previous = node.previousElementSibling;
    const next = node.nextElementSibling;
    node.remove();
    if (previous && previous.classList.contains('day-separator') && (!next || next.classList.contains('day-separator'))) {
      previous.remove();
    }
    updateDayPill();
    if (!visibleMessages().length) renderMessages();
  }, 260);
}

function latestPinned() {
  for (let i = state.pinOrder.length - 1; i >= 0; i -= 1) {
    const view = state.messages.get(state.pinOrder[i]);
    if (view && view.pinned && !view.deleted) return view;
  }
  return null;
}

export function renderPinnedBar() {
  const bar = $('#pinned-bar');
  const view = latestPinned();
  bar.hidden = !view;
  if (!view) return;
  bar.dataset.messageId = String(view.message_id);
  $('#pinned-text').textContent = messageSummary(view);
}
