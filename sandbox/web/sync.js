// The sandbox's shared state (people, groups, clock, presets) from GET /sandbox/state, and
// the full reload used at start-up, after a reset and after the server restarted.

import { DEFAULT_PERSON, state, STORAGE_PERSON } from './state.js';
import { debounce } from './dom.js';
import { t } from './i18n.js';
import { api } from './api.js';
import { formatters, setSimNow } from './time.js';
import { reportError } from './toasts.js';
import { renderPersonSelect, selectPerson } from './people.js';
import { renderChatList } from './chat-list.js';
import { renderChatHeader } from './chat-view.js';
import { bumpCustomTime, renderPresets, setClockBusy, setClockStatus, tickClock } from './clock.js';
import { loadLog } from './log.js';
import { connectEvents } from './events.js';

export async function loadState() {
  const result = await api('/sandbox/state');
  state.bot = result.bot || state.bot;
  if (result.zone && result.zone !== state.zone) {
    state.zone = result.zone;
    formatters.clear();
  }
  setSimNow(result.now);
  state.people = result.people || [];
  state.groups = result.groups || [];
  state.presets = result.presets || [];
  // Another tab may be moving time right now: keep the clock buttons off until it is done.
  if (typeof result.moving === 'boolean' && result.moving !== state.clockBusy && !state.movingHere) {
    setClockBusy(result.moving);
    if (result.moving) setClockStatus('busy', () => t('moving'));
    else setClockStatus('', () => '');
  }
  return result;
}

export const refreshState = debounce(async () => {
  try {
    await loadState();
    renderPersonSelect();
    renderPresets();
    renderChatList();
    renderChatHeader();
  } catch (err) {
    reportError(err);
  }
}, 300);

export async function reloadEverything() {
  const result = await loadState();
  state.lastEventId = result.last_event_id || 0;
  renderPersonSelect();
  renderPresets();
  tickClock();
  bumpCustomTime();
  const stored = Number(state.personId ?? localStorage.getItem(STORAGE_PERSON) ?? DEFAULT_PERSON);
  await Promise.all([selectPerson(stored), loadLog().catch(reportError)]);
  connectEvents();
}
