// Live events: the server-sent event stream keeps the page current without polling.

import { chatById, isOwn, state } from './state.js';
import { $ } from './dom.js';
import { t } from './i18n.js';
import { api } from './api.js';
import { setSimNow } from './time.js';
import { reportError, showAlert, showToast } from './toasts.js';
import { refreshState, reloadEverything } from './sync.js';
import { bumpChatPreview, reloadChats, renderChatList } from './chat-list.js';
import { setTyping } from './typing.js';
import { clearPendingButtons, openUrl } from './message-actions.js';
import {
  appendMessage,
  removeMessage,
  renderPinnedBar,
  replaceMessage,
  visibleMessages,
} from './chat-view.js';
import { loadCommands } from './composer.js';
import { tickClock } from './clock.js';
import { addLogEntries } from './log.js';

const EVENT_TYPES = [
  'message_new', 'message_edited', 'message_deleted', 'message_pinned', 'message_unpinned',
  'chat_action', 'callback_answer', 'user_created', 'chat_updated', 'api_call',
  'sandbox_clock', 'reset', 'commands_changed',
];

export function setConnection(status) {
  const node = $('#connection');
  node.dataset.state = status;
  $('#connection-text').textContent = t(status);
  $('#connection-text').dataset.i18n = status;
}

export function connectEvents() {
  if (state.events) state.events.close();
  const source = new EventSource(`/control/events/stream?after=${state.lastEventId}`);
  state.events = source;
  source.onopen = () => {
    state.reconnectDelay = 1000;
    setConnection('live');
  };
  source.onerror = () => {
    // EventSource would reconnect with the original ?after=, replaying old events; reconnect
    // ourselves from the last event we handled instead.
    source.close();
    if (state.events !== source) return;
    state.events = null;
    setConnection('reconnecting');
    setTimeout(reconnect, state.reconnectDelay);
    state.reconnectDelay = Math.min(state.reconnectDelay * 2, 10000);
  };
  for (const type of EVENT_TYPES) {
    source.addEventListener(type, (message) => {
      let event;
      try {
        event = JSON.parse(message.data);
      } catch (err) {
        return;
      }
      if (event.id) state.lastEventId = Math.max(state.lastEventId, event.id);
      try {
        handleEvent(type, event);
      } catch (err) {
        console.error('event handler failed', type, err);
      }
    });
  }
}

async function reconnect() {
  try {
    const before = state.lastEventId;
    const result = await api('/sandbox/state');
    // A restarted server counts events from zero again: start over from what it has now.
    if (result.last_event_id < before) {
      await reloadEverything();
      return;
    }
    connectEvents();
  } catch (err) {
    setTimeout(reconnect, state.reconnectDelay);
    state.reconnectDelay = Math.min(state.reconnectDelay * 2, 10000);
  }
}

function handleEvent(type, event) {
  switch (type) {
    case 'message_new':
    case 'message_edited':
    case 'message_deleted':
    case 'message_pinned':
    case 'message_unpinned':
      if (event.message) onMessageEvent(type, event.message);
      break;
    case 'chat_action':
      if (belongsToPerson(event.chat_id)) setTyping(Number(event.chat_id), event.action);
      break;
    case 'callback_answer':
      onCallbackAnswer(event);
      break;
    case 'user_created':
      refreshState();
      break;
    case 'chat_updated':
      refreshState();
      reloadChats();
      break;
    case 'commands_changed':
      if (state.openChatId !== null) loadCommands(state.openChatId);
      break;
    case 'api_call':
      if (event.entry) addLogEntries([event.entry]);
      break;
    case 'sandbox_clock':
      if (event.now) setSimNow(event.now);
      tickClock();
      refreshState();
      break;
    case 'reset':
      reloadEverything().catch(reportError);
      break;
    default:
      break;
  }
}

// Is this chat one of the acting person's chats (their private chat with the bot or a group)?
function belongsToPerson(chatId) {
  chatId = Number(chatId);
  if (chatId > 0) return chatId === state.personId;
  return Boolean(chatById(chatId));
}

export function onMessageEvent(type, view) {
  const chatId = Number(view.chat_id);
  if (!belongsToPerson(chatId)) {
    // Someone (maybe this person) joined a group the list does not show yet.
    if (chatId < 0 && view.service) reloadChats();
    return;
  }
  const isNew = type === 'message_new' && !(state.lastKnownId.get(chatId) >= view.message_id);
  if (type === 'message_new') {
    state.lastKnownId.set(chatId, Math.max(view.message_id, state.lastKnownId.get(chatId) || 0));
    if (view.from.is_bot) setTyping(chatId, null);
  }
  updateChatPreview(type, view);
  if (isNew && chatId !== state.openChatId && !isOwn(view)) {
    state.unread.set(chatId, (state.unread.get(chatId) || 0) + 1);
  }
  if (chatId === state.openChatId) updateOpenChat(type, view);
  renderChatList();
  // Roles change when a person joins through the bot: keep the switcher labels current.
  if (type === 'message_new' && view.from.is_bot && chatId > 0) refreshState();
}

function updateOpenChat(type, view) {
  const id = view.message_id;
  switch (type) {
    case 'message_new':
      appendMessage(view);
      break;
    case 'message_deleted':
      state.messages.set(id, view);
      removeMessage(id);
      break;
    default: // edited, pinned, unpinned: the view replaces the old one in place
      if (type === 'message_pinned') state.pinOrder = state.pinOrder.filter((other) => other !== id).concat(id);
      if (state.messages.has(id)) replaceMessage(view);
      else state.messages.set(id, view);
      renderPinnedBar();
      break;
  }
}

function updateChatPreview(type, view) {
  const chat = chatById(view.chat_id);
  if (!chat) return;
  if (type === 'message_deleted') {
    if (chat.last_message && chat.last_message.message_id === view.message_id) {
      if (Number(view.chat_id) === state.openChatId) {
        const views = visibleMessages();
        chat.last_message = views.length ? views[views.length - 1] : null;
      } else {
        reloadChats();
      }
    }
    return;
  }
  if (chat.last_message && chat.last_message.message_id === view.message_id) chat.last_message = view;
  else if (type === 'message_new') bumpChatPreview(view);
}

function onCallbackAnswer(event) {
  if (Number(event.user_id) !== state.personId) return;
  clearPendingButtons(event.message_id);
  const answer = event.answer || {};
  if (answer.url) openUrl(answer.url);
  if (!answer.text) return;
  if (answer.show_alert) showAlert(answer.text);
  else showToast(answer.text, 'info');
}
