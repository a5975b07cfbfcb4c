// One message view -> its DOM node (bubble, attachments, inline keyboard), and the one-line
// summaries of messages used by previews, quotes and the pinned bar.

import { isOwn, nameOf, state } from './state.js';
import { colorFor, el, icon } from './dom.js';
import { t } from './i18n.js';
import { fileUrl } from './api.js';
import { fmtTime, formatter } from './time.js';
import { renderEntities } from './entities.js';
import { openUrl, pressButton } from './message-actions.js';
import { scrollToBottom } from './scroll.js';

function isGroupChat(chatId) {
  return Number(chatId) < 0;
}

function serviceText(view) {
  const service = view.service || {};
  const actor = nameOf(view.from.id, view.from.first_name);
  if ('pinned_message' in service) {
    // Message ids are per chat: only the open chat's messages can be looked up.
    const inOpenChat = Number(view.chat_id) === state.openChatId;
    const target = inOpenChat ? state.messages.get(Number(service.pinned_message)) : null;
    const snippet = target && !target.service ? messageSummary(target) : '';
    if (!snippet) return t('servicePinned', { actor });
    const short = snippet.length > 30 ? `${Array.from(snippet).slice(0, 30).join('')}…` : snippet;
    return t('servicePinnedQuote', { actor, text: short });
  }
  if ('new_chat_members' in service) {
    const ids = [].concat(service.new_chat_members).map((m) => (typeof m === 'object' ? m.id : m));
    const names = ids.map((id) => nameOf(id)).join('、');
    const self = ids.length === 1 && Number(ids[0]) === view.from.id;
    return self ? t('serviceJoined', { names }) : t('serviceAdded', { actor, names });
  }
  if ('left_chat_member' in service) {
    const raw = service.left_chat_member;
    const id = typeof raw === 'object' ? raw.id : raw;
    return Number(id) === view.from.id ? t('serviceLeft', { name: nameOf(id) }) : t('serviceRemoved', { actor, name: nameOf(id) });
  }
  if ('migrate_to_chat_id' in service || 'migrate_from_chat_id' in service) return t('serviceMigrated');
  if ('group_chat_created' in service || 'supergroup_chat_created' in service) return t('serviceCreated', { actor });
  if ('new_chat_title' in service) return t('serviceTitle', { actor, title: service.new_chat_title });
  return t('serviceOther');
}

// A one-line description of a message for previews and the pinned bar.
export function messageSummary(view) {
  if (view.service) return serviceText(view);
  const text = (view.text || view.caption || '').replace(/\s+/g, ' ').trim();
  if (view.photo) return text ? `[${t('photo')}] ${text}` : `[${t('photo')}]`;
  if (view.document) return `[${t('file')}] ${view.document.file_name || ''}${text ? ` · ${text}` : ''}`;
  return text;
}

export function messageNode(view) {
  const dataset = { messageId: String(view.message_id), chatId: String(view.chat_id) };
  if (view.service) {
    return el('div', { class: 'message service', dataset }, el('span', { class: 'service-text', text: serviceText(view) }));
  }
  const own = isOwn(view);
  const node = el('div', { class: `message ${own ? 'own' : 'other'}${view.from.is_bot ? ' from-bot' : ''}`, dataset });
  node.dataset.senderId = String(view.from.id);
  const stack = el('div', { class: 'message-stack' });
  const bubble = el('div', { class: 'bubble' });
  if (isGroupChat(view.chat_id) && !own) {
    bubble.append(el('div', {
      class: 'sender-name',
      text: nameOf(view.from.id, view.from.first_name),
    }));
    bubble.lastChild.style.color = colorFor(view.from.id);
  }
  if (view.reply_to_message_id) bubble.append(replyQuote(view.reply_to_message_id));
  if (view.photo && view.photo.length) bubble.append(photoNode(view.photo));
  if (view.document) bubble.append(documentNode(view.document));

  const edited = textWasEdited(view);
  const body = el('div', { class: `bubble-body${edited ? ' is-edited' : ''}` });
  const text = view.text ?? view.caption;
  if (text) {
    const entities = view.text != null ? view.entities : view.caption_entities;
    // The empty spacer keeps the last line clear of the time, which sits in the corner.
    body.append(el('div', { class: 'message-text' }, renderEntities(text, entities), el('span', { class: 'meta-spacer' })));
  } else {
    body.classList.add('meta-only');
  }
  body.append(el(
    'span',
    { class: 'meta', title: formatter('fullTime', { dateStyle: 'medium', timeStyle: 'medium' }).format(view.date * 1000) },
    edited ? el('span', { class: 'edited', text: t('edited') }) : null,
    el('span', { class: 'time', text: fmtTime(view.date * 1000) }),
  ));
  bubble.append(body);
  stack.append(bubble);
  const keyboard = inlineKeyboardNode(view);
  if (keyboard) stack.append(keyboard);
  node.append(stack);
  return node;
}

// Like Telegram, only a changed text or caption counts as "edited": a bot swapping the
// buttons under its message (editMessageReplyMarkup) does not mark it.
function textWasEdited(view) {
  if (!view.edited) return false;
  const history = view.edit_history;
  if (!Array.isArray(history) || !history.length) return true;
  return history.some((old) => (old.text ?? null) !== (view.text ?? null) || (old.caption ?? null) !== (view.caption ?? null));
}

function replyQuote(messageId) {
  const target = state.messages.get(Number(messageId));
  const quote = el('div', { class: 'reply-quote', dataset: { target: String(messageId) } });
  if (target) {
    quote.append(
      el('div', { class: 'reply-quote-name', text: nameOf(target.from.id, target.from.first_name) }),
      el('div', { class: 'reply-quote-text', text: messageSummary(target) }),
    );
  } else {
    quote.append(el('div', { class: 'reply-quote-text', text: '…' }));
  }
  return quote;
}

function photoNode(sizes) {
  // The biggest size is what a client shows when there is room.
  const best = sizes.reduce((a, b) => ((b.width || 0) * (b.height || 0) >= (a.width || 0) * (a.height || 0) ? b : a));
  const img = el('img', { class: 'photo', src: fileUrl(best.file_id, true), alt: t('photo'), loading: 'lazy' });
  if (best.width && best.height) {
    img.width = best.width;
    img.height = best.height;
  }
  img.addEventListener('load', () => {
    if (state.stuckToBottom) scrollToBottom();
  });
  return el('a', { class: 'photo-link', href: fileUrl(best.file_id, true), target: '_blank', rel: 'noopener' }, img);
}

function formatBytes(size) {
  if (!size && size !== 0) return '';
  if (size < 1024) return `${size} B`;
  if (size < 1024 * 1024) return `${(size / 1024).toFixed(1)} KB`;
  return `${(size / 1024 / 1024).toFixed(1)} MB`;
}

function documentNode(doc) {
  const name = doc.file_name || t('file');
  return el(
    'div',
    { class: 'document' },
    el('a', { class: 'document-icon', href: fileUrl(doc.file_id), download: name, title: t('download') }, icon('download')),
    el(
      'div',
      { class: 'document-info' },
      el('div', { class: 'document-name', text: name, title: name }),
      el('div', { class: 'document-meta' },
        formatBytes(doc.file_size),
        doc.mime_type ? ` · ${doc.mime_type}` : '',
        ' · ',
        el('a', { class: 'document-download', href: fileUrl(doc.file_id), download: name, text: t('download') })),
    ),
  );
}

function inlineKeyboardNode(view) {
  const rows = view.reply_markup && view.reply_markup.inline_keyboard;
  if (!rows || !rows.length) return null;
  const keyboard = el('div', { class: 'inline-keyboard' });
  for (const row of rows) {
    const rowNode = el('div', { class: 'inline-row' });
    for (const button of row) {
      const node = el('button', { type: 'button', class: 'inline-button' }, el('span', { class: 'inline-button-text', text: button.text }));
      if (button.url) {
        node.classList.add('is-url');
        node.title = button.url;
        node.append(icon('link', 'icon inline-button-icon'));
        node.addEventListener('click', () => openUrl(button.url));
      } else if (button.callback_data !== undefined) {
        node.dataset.callbackData = button.callback_data;
        node.addEventListener('click', () => pressButton(view, button.callback_data, node));
      } else {
        node.disabled = true; // web apps, games, payments: nothing to emulate
      }
      rowNode.append(node);
    }
    keyboard.append(rowNode);
  }
  return keyboard;
}
