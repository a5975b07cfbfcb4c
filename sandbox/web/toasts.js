// Toasts and the alert dialog: how callback answers and errors of any call reach the person.

import { state } from './state.js';
import { $, el } from './dom.js';
import { errorText } from './api.js';

export function showToast(text, kind = 'info') {
  const toast = el('div', { class: `toast ${kind}`, role: kind === 'error' ? 'alert' : 'status', text });
  const dismiss = () => {
    toast.classList.add('leaving');
    setTimeout(() => toast.remove(), 200);
  };
  toast.addEventListener('click', dismiss);
  $('#toasts').append(toast);
  setTimeout(dismiss, kind === 'error' ? 6000 : 4000);
}

export function showAlert(text) {
  const dialog = $('#alert-dialog');
  $('#alert-title').textContent = state.bot.name;
  $('#alert-text').textContent = text;
  if (!dialog.open) dialog.showModal();
}

export function reportError(err) {
  console.error(err);
  showToast(errorText(err), 'error');
}
