// The page's shared state and the lookups over it. It is one plain object rather than state
// spread over modules, so that a person or chat switch can reset everything in one place and
// late responses can be checked against openSeq.

export const STORAGE_LANG = 'sandbox.lang';
export const STORAGE_PERSON = 'sandbox.person';
export const DEFAULT_PERSON = 1001;

export const state = {
  lang: localStorage.getItem(STORAGE_LANG) === 'en' ? 'en' : 'zh',
  bot: { id: 0, username: '', name: '' },
  zone: 'Asia/Shanghai',
  clockOffset: 0, // simulated now minus Date.now(), in ms
  people: [],
  groups: [],
  presets: [],
  lastEventId: 0,

  personId: null,
  chats: [], // the acting person's chat list, private chat with the bot first
  unread: new Map(), // chat id -> messages that arrived while the chat was not open
  lastKnownId: new Map(), // chat id -> highest message id seen, so replayed events count once
  typing: new Map(), // chat id -> {action, timer}
  lastChatOf: new Map(), // person id -> chat they had open, to come back to it

  openChatId: null,
  openSeq: 0, // bumps on every chat switch so late responses for another chat are dropped
  messages: new Map(), // message id -> view, for the open chat only
  pinOrder: [], // message ids of the open chat in the order they were pinned
  hiddenKeyboards: new Set(), // "chat:message" of one-time reply keyboards already used
  keyboardClosed: false, // the person folded the reply keyboard away
  commands: [],
  pendingNew: 0, // messages that arrived while scrolled up
  stuckToBottom: true, // the reader is at the newest message

  clockBusy: false,
  movingHere: false, // this tab started the running time move
  clockStatus: null, // {kind, describe(), details} of the status line
  lastLogSeq: 0,
  events: null,
  reconnectDelay: 1000,
};

export function personById(id) {
  return state.people.find((p) => p.id === Number(id));
}

export function groupById(id) {
  return state.groups.find((g) => g.chat_id === Number(id));
}

export function chatById(id) {
  return state.chats.find((c) => c.id === Number(id));
}

// Who a user id is, for sender names and service messages.
export function nameOf(id, fallback) {
  if (Number(id) === state.bot.id) return state.bot.name;
  const person = personById(id);
  return person ? person.name : fallback || String(id);
}

export function isOwn(view) {
  return !view.from.is_bot && view.from.id === state.personId;
}
