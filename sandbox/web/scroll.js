// Scrolling the message list: stay at the newest message while the reader is there, count
// what arrives while they have scrolled up.

import { state } from './state.js';
import { $ } from './dom.js';
import { messageElement } from './chat-view.js';

export function isNearBottom(margin = 120) {
  const box = $('#messages');
  return box.scrollHeight - box.scrollTop - box.clientHeight < margin;
}

export function scrollToBottom(smooth = false) {
  const box = $('#messages');
  box.scrollTo({ top: box.scrollHeight, behavior: smooth ? 'smooth' : 'auto' });
  state.stuckToBottom = true;
  state.pendingNew = 0;
  updateScrollButton();
}

export function updateScrollButton() {
  const button = $('#scroll-down');
  button.hidden = isNearBottom() && state.pendingNew === 0;
  $('#scroll-down-count').textContent = state.pendingNew > 0 ? String(state.pendingNew) : '';
  $('#scroll-down-count').hidden = state.pendingNew === 0;
}

// The pill above the list names the day of the messages at its top once that day's separator
// has scrolled away (until then the separator itself is in sight).
export function updateDayPill() {
  const top = $('#messages').getBoundingClientRect().top;
  let current = null;
  for (const separator of $('#messages').querySelectorAll('.day-separator')) {
    if (separator.getBoundingClientRect().bottom > top) break;
    current = separator;
  }
  const pill = $('#day-pill');
  pill.hidden = !current;
  pill.textContent = current ? current.textContent : '';
}

export function scrollToMessage(messageId) {
  const node = messageElement(messageId);
  if (!node) return;
  node.scrollIntoView({ behavior: 'smooth', block: 'center' });
  node.classList.remove('flash');
  void node.offsetWidth; // restart the highlight animation
  node.classList.add('flash');
}

export function wireScrolling() {
  const messages = $('#messages');
  messages.addEventListener('scroll', () => {
    state.stuckToBottom = isNearBottom(40);
    if (isNearBottom()) state.pendingNew = 0;
    updateScrollButton();
    updateDayPill();
  });
  // The pinned bar, reply keyboard or a growing input shrink the list: stay at the bottom.
  new ResizeObserver(() => {
    if (state.stuckToBottom) messages.scrollTop = messages.scrollHeight;
    updateDayPill();
  }).observe(messages);
  $('#scroll-down').addEventListener('click', () => scrollToBottom(true));
  const pinned = $('#pinned-bar');
  pinned.addEventListener('click', () => scrollToMessage(Number(pinned.dataset.messageId)));
  pinned.addEventListener('keydown', (event) => {
    if (event.key === 'Enter') scrollToMessage(Number(pinned.dataset.messageId));
  });
}
