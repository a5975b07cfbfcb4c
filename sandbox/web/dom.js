// DOM helpers. Security rule for the whole page: message data, names and titles only ever
// reach the DOM through textContent / attributes of elements made with createElement (el()
// below), never through innerHTML.

export const $ = (selector) => document.querySelector(selector);

// Create an element with classes, attributes and children (strings become text nodes).
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') node.className = value;
    else if (key === 'text') node.textContent = value;
    else if (key === 'dataset') Object.assign(node.dataset, value);
    else if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? '' : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

const SVG_NS = 'http://www.w3.org/2000/svg';
const ICONS = {
  download: 'M5 20h14v-2H5Zm14-9h-4V3H9v8H5l7 7Z',
  link: 'M14 3v2h3.6l-9.8 9.8 1.4 1.4L19 6.4V10h2V3Zm5 16H5V5h7V3H5a2 2 0 0 0-2 2v14a2 2 0 0 0 2 2h14a2 2 0 0 0 2-2v-7h-2Z',
  shield: 'M12 2 4 5v6c0 5 3.4 9.5 8 11 4.6-1.5 8-6 8-11V5l-8-3Zm-1 14-4-4 1.4-1.4L11 13.2l4.6-4.6L17 10l-6 6Z',
};

// Icons are fixed path data from this file, built as DOM nodes like everything else.
export function icon(name, cls = 'icon') {
  const svg = document.createElementNS(SVG_NS, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('class', cls);
  svg.setAttribute('aria-hidden', 'true');
  const path = document.createElementNS(SVG_NS, 'path');
  path.setAttribute('d', ICONS[name]);
  svg.append(path);
  return svg;
}

export function debounce(fn, ms) {
  let timer = null;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
}

// Stable colours for avatars and sender names, like Telegram's per-user palette.
const PALETTE = ['#e17076', '#7bc862', '#65aadd', '#a695e7', '#ee7aae', '#6ec9cb', '#faa774'];
export function colorFor(id) {
  const n = Math.abs(Number(id) || 0);
  return PALETTE[n % PALETTE.length];
}

function initialOf(text) {
  const trimmed = String(text || '?').trim();
  return Array.from(trimmed)[0] || '?';
}

export function setAvatar(node, { id, title, isBot = false, isGroup = false }) {
  node.replaceChildren();
  node.classList.toggle('avatar-bot', isBot);
  node.style.background = isBot ? '' : colorFor(id);
  if (isBot) node.append(icon('shield'));
  else node.append(document.createTextNode(initialOf(title)));
  node.title = isGroup ? '' : title || '';
}
