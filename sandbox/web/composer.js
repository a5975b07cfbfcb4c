// The composer: the input, the START button, the "/" command menu and file attachments.

import { chatById, state } from './state.js';
import { $, el } from './dom.js';
import { t } from './i18n.js';
import { api } from './api.js';
import { reportError, showToast } from './toasts.js';
import { onMessageEvent } from './events.js';

const MAX_UPLOAD_BYTES = 20 * 1024 * 1024;

function isPrivateOpen() {
  return state.openChatId !== null && state.openChatId === state.personId;
}

// START replaces the input until the person ever wrote to the bot, as in Telegram.
export function updateComposer() {
  const needsStart = isPrivateOpen() && state.messages.size === 0 && !chatById(state.personId)?.last_message;
  $('#start-bot').hidden = !needsStart;
  $('#composer').hidden = needsStart;
  if (needsStart) {
    $('#reply-keyboard').hidden = true;
    closeCommandPopup();
  }
}

export async function sendText(text, chatId = state.openChatId) {
  const result = await api('/control/send', { user_id: state.personId, chat_id: chatId, text });
  onMessageEvent('message_new', result);
  return result;
}

async function submitComposer() {
  const input = $('#composer-input');
  const text = input.value.trim();
  if (!text || state.openChatId === null) return;
  input.value = '';
  autosizeInput();
  closeCommandPopup();
  try {
    await sendText(text);
  } catch (err) {
    // Give the text back rather than losing what the person typed.
    if (!input.value) input.value = text;
    autosizeInput();
    reportError(err);
  }
}

function autosizeInput() {
  const input = $('#composer-input');
  input.style.height = 'auto';
  input.style.height = `${Math.min(input.scrollHeight, 160)}px`;
}

export async function loadCommands(chatId, seq = state.openSeq) {
  try {
    const commands = await api(`/control/chats/${chatId}/commands?user_id=${state.personId}`);
    if (seq === state.openSeq) state.commands = commands || [];
  } catch (err) {
    if (seq === state.openSeq) state.commands = [];
  }
}

function openCommandPopup(filter = '') {
  const popup = $('#command-popup');
  const prefix = filter.replace(/^\//, '').toLowerCase();
  const commands = state.commands.filter((c) => c.command.toLowerCase().startsWith(prefix));
  if (!commands.length && filter) {
    closeCommandPopup();
    return;
  }
  const items = commands.map((c) => el(
    'button',
    { type: 'button', class: 'command-item', dataset: { command: c.command }, onclick: () => runCommand(c.command) },
    el('span', { class: 'command-name', text: `/${c.command}` }),
    el('span', { class: 'command-description', text: c.description || '' }),
  ));
  if (!items.length) items.push(el('div', { class: 'command-empty', text: t('noCommands') }));
  popup.replaceChildren(...items);
  popup.hidden = false;
  $('#command-menu').classList.add('active');
}

export function closeCommandPopup() {
  $('#command-popup').hidden = true;
  $('#command-menu').classList.remove('active');
}

async function runCommand(command) {
  closeCommandPopup();
  const input = $('#composer-input');
  if (input.value.startsWith('/')) input.value = '';
  autosizeInput();
  try {
    await sendText(`/${command}`);
  } catch (err) {
    reportError(err);
  }
  input.focus();
}

async function sendFile(file) {
  if (!file || state.openChatId === null) return;
  if (file.size > MAX_UPLOAD_BYTES) {
    showToast(t('fileTooBig'), 'error');
    return;
  }
  const input = $('#composer-input');
  const caption = input.value.trim();
  // The emulator accepts PNG, JPEG, GIF and WebP as photos; everything else is a document.
  const isPhoto = /^image\/(png|jpeg|gif|webp)$/.test(file.type);
  try {
    const data = await readBase64(file);
    const body = {
      user_id: state.personId,
      chat_id: state.openChatId,
      data_base64: data,
      kind: isPhoto ? 'photo' : 'document',
      filename: file.name,
      mime_type: file.type || 'application/octet-stream',
    };
    if (caption) body.caption = caption;
    const result = await api('/control/send-file', body);
    if (caption) {
      input.value = '';
      autosizeInput();
    }
    onMessageEvent('message_new', result);
  } catch (err) {
    reportError(err);
  }
}

function readBase64(file) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result).replace(/^data:[^,]*,/, ''));
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(file);
  });
}

export function wireComposer() {
  const input = $('#composer-input');
  $('#composer').addEventListener('submit', (event) => {
    event.preventDefault();
    submitComposer();
  });
  input.addEventListener('keydown', (event) => {
    // Enter sends, Shift+Enter is a newline; never send while an IME is composing (Chinese).
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing && event.keyCode !== 229) {
      event.preventDefault();
      submitComposer();
    } else if (event.key === 'Escape') {
      closeCommandPopup();
    }
  });
  input.addEventListener('input', () => {
    autosizeInput();
    // Typing a bare "/command" prefix offers the bot's commands, like Telegram does.
    if (/^\/\w*$/.test(input.value)) openCommandPopup(input.value);
    else closeCommandPopup();
  });
  $('#command-menu').addEventListener('click', () => {
    if ($('#command-popup').hidden) openCommandPopup();
    else closeCommandPopup();
  });
  document.addEventListener('click', (event) => {
    if (!event.target.closest('#command-popup, #command-menu')) closeCommandPopup();
  });
  $('#attach').addEventListener('click', () => $('#attach-input').click());
  $('#attach-input').addEventListener('change', (event) => {
    const file = event.target.files[0];
    event.target.value = ''; // allow sending the same file twice
    sendFile(file);
  });
  $('#start-bot').addEventListener('click', () => sendText('/start', state.personId).catch(reportError));
}
