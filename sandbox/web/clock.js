// The clock panel: the ticking simulated time, presets and custom moves of the clock.

import { state } from './state.js';
import { $, el } from './dom.js';
import { t } from './i18n.js';
import { api, errorText } from './api.js';
import {
  fmtDayShort,
  fmtFullDate,
  fmtInputTime,
  fmtMoment,
  fmtTime,
  fmtTimeSec,
  localIso,
  parseInputTime,
  parseIso,
  setSimNow,
  simNow,
} from './time.js';
import { showToast } from './toasts.js';
import { refreshState } from './sync.js';

export function tickClock() {
  const now = simNow();
  const clock = $('#clock-now');
  const date = el('span', { class: 'clock-date', text: fmtFullDate(now) });
  const time = el('span', { class: 'clock-time', text: fmtTimeSec(now) });
  clock.replaceChildren(date, ' ', time);
  $('#header-clock-text').textContent = `${fmtDayShort(now)} ${fmtTime(now)}`;
  $('#clock-zone').textContent = t('zone', { zone: state.zone });
}

export function renderPresets() {
  const container = $('#clock-presets');
  container.replaceChildren(...state.presets.map((preset) => {
    const label = (preset.label && (preset.label[state.lang] || preset.label.zh)) || preset.key;
    const at = parseIso(preset.at);
    // Labels like "截止前 15 分钟 · 今天 16:45" become two lines; the others get the target time.
    const [main, ...rest] = label.split(' · ');
    let when = rest.join(' · ');
    if (!rest.length && !Number.isNaN(at) && !label.includes(fmtTime(at))) when = fmtMoment(at);
    return el(
      'button',
      {
        type: 'button',
        class: 'clock-preset',
        dataset: { preset: preset.key },
        disabled: state.clockBusy,
        title: Number.isNaN(at) ? label : `${label}\n${fmtFullDate(at)} ${fmtTime(at)}`,
        onclick: () => moveClock({ preset: preset.key }),
      },
      el('span', { class: 'preset-label', text: main }),
      when ? el('span', { class: 'preset-time', text: when }) : null,
    );
  }));
}

export function setClockBusy(busy) {
  state.clockBusy = busy;
  for (const button of document.querySelectorAll('.clock-preset, #clock-go')) button.disabled = busy;
  $('#clock-panel').classList.toggle('busy', busy);
}

// The status line is kept as a function of the UI language so the toggle can redraw it.
export function setClockStatus(kind, describe, details = '') {
  state.clockStatus = { kind, describe, details };
  renderClockStatus();
}

export function renderClockStatus() {
  const status = $('#clock-status');
  const current = state.clockStatus;
  status.textContent = current ? current.describe() : '';
  status.dataset.kind = current ? current.kind : '';
  status.title = current ? current.details || status.textContent : '';
}

async function moveClock(body) {
  if (state.clockBusy) return;
  state.movingHere = true;
  setClockBusy(true);
  setClockStatus('busy', () => t('moving'));
  try {
    const result = await api('/sandbox/clock', body);
    setSimNow(result.now);
    if (result.presets) state.presets = result.presets;
    const jobs = result.jobs || [];
    const now = parseIso(result.now);
    setClockStatus(
      'done',
      () => t('movedSummary', { time: fmtMoment(now), jobs: jobs.length, steps: result.steps ?? 0 }),
      jobs.map((job) => `${fmtMoment(parseIso(job.at))}  ${job.name}`).join('\n'),
    );
    bumpCustomTime();
  } catch (err) {
    setClockStatus('error', () => errorText(err));
    showToast(errorText(err), 'error');
  } finally {
    state.movingHere = false;
    setClockBusy(false);
    renderPresets();
    tickClock();
    refreshState();
  }
}

function moveClockToCustom() {
  const input = $('#clock-custom');
  const to = parseInputTime(input.value);
  input.setAttribute('aria-invalid', String(!to));
  if (!to) {
    setClockStatus('error', () => t(input.value.trim() ? 'timeFormat' : 'pickTime'));
    return;
  }
  moveClock({ to });
}

// Keep the custom time a sensible target: an hour ahead once time has passed it.
export function bumpCustomTime() {
  const input = $('#clock-custom');
  const wanted = parseInputTime(input.value);
  if (!wanted || wanted <= localIso(simNow())) {
    input.value = fmtInputTime(simNow() + 3600000);
    input.removeAttribute('aria-invalid');
  }
}

export function wireClock() {
  $('#header-clock').addEventListener('click', () => {
    const panel = $('#clock-panel');
    panel.classList.remove('flash');
    void panel.offsetWidth; // restart the highlight animation
    panel.classList.add('flash');
  });
  $('#clock-go').addEventListener('click', moveClockToCustom);
  $('#clock-custom').addEventListener('keydown', (event) => {
    if (event.key === 'Enter') moveClockToCustom();
  });
  $('#clock-custom').addEventListener('input', (event) => event.target.removeAttribute('aria-invalid'));
}
