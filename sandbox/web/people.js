// The person switcher and the add-person dialog: who the page is acting as.

import { DEFAULT_PERSON, personById, state, STORAGE_PERSON } from './state.js';
import { $, el, setAvatar } from './dom.js';
import { t, tableOf } from './i18n.js';
import { api, errorText } from './api.js';
import { reportError, showToast } from './toasts.js';
import { loadState } from './sync.js';
import { loadChats } from './chat-list.js';
import { openChat } from './chat-view.js';

function roleName(role) {
  return tableOf('roles')[role] || role;
}

function personLabel(person) {
  const roles = person.roles || [];
  const roleText = roles.length ? [...new Set(roles.map((r) => roleName(r.role)))].join('、') : t('noRole');
  const unit = roles.find((r) => r.unit_name);
  const langTag = tableOf('lang')[person.language] || person.language || '';
  return [person.name, roleText, unit ? unit.unit_name : t('others'), langTag].join(' · ');
}

export function renderPersonSelect() {
  const select = $('#person-select');
  // Optgroups by the unit of the person's first role, in the order units first appear.
  const groups = new Map();
  const others = [];
  for (const person of state.people) {
    const unit = (person.roles || []).find((r) => r.unit_name);
    if (!unit) {
      others.push(person);
      continue;
    }
    if (!groups.has(unit.unit_name)) groups.set(unit.unit_name, []);
    groups.get(unit.unit_name).push(person);
  }
  if (others.length) groups.set(t('others'), others);
  const nodes = [];
  for (const [label, people] of groups) {
    const optgroup = el('optgroup', { label });
    for (const person of people) {
      optgroup.append(el('option', { value: String(person.id), text: personLabel(person) }));
    }
    nodes.push(optgroup);
  }
  select.replaceChildren(...nodes);
  if (state.personId !== null) select.value = String(state.personId);
  renderPersonAvatar();
}

function renderPersonAvatar() {
  const person = personById(state.personId);
  setAvatar($('#person-avatar'), { id: state.personId, title: person ? person.name : '?' });
}

export async function selectPerson(id) {
  const person = personById(id) || personById(DEFAULT_PERSON) || state.people[0];
  if (!person) return;
  if (state.openChatId !== null && state.personId !== null) {
    state.lastChatOf.set(state.personId, state.openChatId);
  }
  state.personId = person.id;
  state.openChatId = null; // nothing of the previous person's chat may show as this person's
  state.openSeq += 1;
  localStorage.setItem(STORAGE_PERSON, String(person.id));
  $('#person-select').value = String(person.id);
  renderPersonAvatar();
  state.unread.clear();
  state.lastKnownId.clear();
  state.typing.clear();
  state.hiddenKeyboards.clear();
  const switchSeq = state.openSeq;
  await loadChats();
  // A chat the visitor opened while the list was loading wins over the default one.
  if (state.openSeq !== switchSeq || state.personId !== person.id) return;
  const previous = state.lastChatOf.get(person.id);
  const target = state.chats.some((c) => c.id === previous) ? previous : person.id;
  await openChat(target);
}

function openAddPerson() {
  const dialog = $('#add-person-dialog');
  $('#new-person-name').value = '';
  $('#new-person-language').value = state.lang === 'en' ? 'en' : 'zh_CN';
  const groupSelect = $('#new-person-group');
  groupSelect.replaceChildren(
    el('option', { value: '', text: t('noGroup') }),
    ...state.groups.map((g) => el('option', { value: String(g.chat_id), text: g.title })),
  );
  setAddPersonError('');
  dialog.showModal();
  $('#new-person-name').focus();
}

function setAddPersonError(text) {
  const node = $('#new-person-error');
  node.textContent = text;
  node.hidden = !text;
}

async function submitAddPerson(event) {
  event.preventDefault();
  const name = $('#new-person-name').value.trim();
  if (!name) {
    setAddPersonError(t('nameRequired'));
    return;
  }
  const groupValue = $('#new-person-group').value;
  const submit = $('#new-person-submit');
  submit.disabled = true;
  try {
    const person = await api('/sandbox/people', {
      name,
      language: $('#new-person-language').value,
      group_id: groupValue ? Number(groupValue) : null,
    });
    await loadState();
    if (!personById(person.id)) state.people.push(person);
    renderPersonSelect();
    // selectPerson switches the selector at once; the dialog closes on the new person.
    const switching = selectPerson(person.id);
    $('#add-person-dialog').close();
    showToast(t('personCreated', { name: person.name }), 'info');
    await switching;
  } catch (err) {
    setAddPersonError(errorText(err));
    showToast(errorText(err), 'error');
  } finally {
    submit.disabled = false;
  }
}

export function wirePeople() {
  $('#person-select').addEventListener('change', (event) => selectPerson(Number(event.target.value)).catch(reportError));
  $('#add-person').addEventListener('click', openAddPerson);
  $('#add-person-form').addEventListener('submit', submitAddPerson);
  $('#new-person-cancel').addEventListener('click', () => $('#add-person-dialog').close());
}
