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
  });
  // The pinned bar, reply keyboard or a growing input shrink the list: stay at the bottom.
  new ResizeObserver(() => {
    if (state.stuckToBottom) messages.scrollTop = messages.scrollHeight;
  }).observe(messages);
  $('#scroll-down').addEventListener('click', () => scrollToBottom(true));
  const pinned = $('#pinned-bar');
  pinned.addEventListener('click', () => scrollToMessage(Number(pinned.dataset.messageId)));
  pinned.addEventListener('keydown', (event) => {
    if (event.key === 'Enter') scrollToMessage(Number(pinned.dataset.messageId));
  });
}
