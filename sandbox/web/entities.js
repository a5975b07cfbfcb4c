// Text with Telegram entities -> DOM nodes (never HTML).

import { el } from './dom.js';

// Build nested nodes from Telegram entities. Offsets are UTF-16 code units, which is exactly
// how JS strings index, so slicing the string directly is correct (emoji included).
export function renderEntities(text, entities) {
  const sorted = (entities || [])
    .filter((e) => e && e.length > 0)
    .map((e) => ({ ...e }))
    .sort((a, b) => a.offset - b.offset || b.length - a.length);
  return buildRange(text, sorted, 0, text.length);
}

function buildRange(text, entities, start, end) {
  const fragment = document.createDocumentFragment();
  let pos = start;
  let i = 0;
  while (i < entities.length) {
    const entity = entities[i];
    const from = Math.max(entity.offset, pos);
    const to = Math.min(entity.offset + entity.length, end);
    i += 1;
    if (from >= to) continue; // fully covered by a previous sibling (bad overlap): skip
    if (from > pos) fragment.append(text.slice(pos, from));
    // Entities starting inside this one are its children; any that stick out get clipped.
    const children = [];
    while (i < entities.length && entities[i].offset < to) {
      children.push(entities[i]);
      i += 1;
    }
    const node = entityNode(entity, text.slice(from, to));
    node.append(buildRange(text, children, from, to));
    fragment.append(node);
    pos = to;
  }
  if (pos < end) fragment.append(text.slice(pos, end));
  return fragment;
}

export const SAFE_URL = /^(https?:|tg:|mailto:|tel:)/i;

function linkNode(href, cls) {
  const ok = SAFE_URL.test(href);
  return el('a', {
    class: cls,
    href: ok ? href : null,
    target: '_blank',
    rel: 'noopener noreferrer',
    title: ok ? href : null,
  });
}

function entityNode(entity, content) {
  switch (entity.type) {
    case 'bold': return el('strong');
    case 'italic': return el('em');
    case 'underline': return el('u');
    case 'strikethrough': return el('s');
    case 'code': return el('code', { class: 'inline-code' });
    case 'pre': return el('pre', { dataset: entity.language ? { language: entity.language } : {} });
    case 'spoiler': return el('span', { class: 'spoiler', title: '' });
    case 'blockquote':
    case 'expandable_blockquote':
      return el('blockquote');
    case 'text_link': return linkNode(String(entity.url || ''), 'text-link');
    case 'url': return linkNode(/^[a-z][a-z0-9+.-]*:/i.test(content) ? content : `http://${content}`, 'url');
    case 'email': return linkNode(`mailto:${content}`, 'url');
    case 'phone_number': return linkNode(`tel:${content.replace(/[^\d+]/g, '')}`, 'url');
    case 'mention':
    case 'text_mention':
      return el('span', { class: 'mention' });
    case 'hashtag':
    case 'cashtag':
      return el('span', { class: 'hashtag' });
    case 'bot_command': return el('span', { class: 'bot-command', role: 'link', tabindex: '0', dataset: { command: content } });
    default: return el('span', { class: `entity-${String(entity.type).replace(/[^a-z_]/g, '')}` });
  }
}
