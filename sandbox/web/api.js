// Calls to the sandbox server: the /sandbox/* endpoints and the emulator's /control/* API.

import { t } from './i18n.js';

class ApiError extends Error {
  constructor(message, code) {
    super(message);
    this.code = code;
  }
}

// Every endpoint answers {ok, result} or {ok: false, error, code}.
export async function api(path, body) {
  const options = body === undefined
    ? { cache: 'no-store' }
    : { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) };
  let response;
  try {
    response = await fetch(path, options);
  } catch (err) {
    throw new ApiError(t('errNetwork'), 'network');
  }
  let data = null;
  try {
    data = await response.json();
  } catch (err) {
    throw new ApiError(`HTTP ${response.status} ${response.statusText}`, 'http');
  }
  if (!data || data.ok !== true) {
    throw new ApiError((data && (data.error || data.description)) || `HTTP ${response.status}`, data && data.code);
  }
  return data.result;
}

// Error codes of the /sandbox/* endpoints and of the control API (what a person can run into
// in a chat): the servers' texts are English, the page says them in its own language.
const ERROR_CODES = {
  backwards: 'errBackwards',
  too_far: 'errTooFar',
  bad_time: 'errBadTime',
  busy: 'errBusy',
  bad_name: 'errBadName',
  bad_language: 'errBadLanguage',
  bad_group: 'errBadGroup',
  starting: 'errStarting',
  internal: 'errInternal',
  message_too_long: 'errMessageTooLong',
  caption_too_long: 'errCaptionTooLong',
  message_empty: 'errMessageEmpty',
  file_empty: 'errFileEmpty',
  bad_image: 'errBadImage',
  not_member: 'errNotMember',
  group_migrated: 'errGroupMigrated',
  message_not_found: 'errMessageNotFound',
  button_gone: 'errButtonGone',
};

export function errorText(err) {
  if (err && err.code && ERROR_CODES[err.code]) return t(ERROR_CODES[err.code]);
  // Anything else is a fault of the page or the server: their words, in a localised frame.
  return t('errFailed', { detail: (err && err.message) || String(err) });
}

export function fileUrl(fileId, inline) {
  return `/control/files/${encodeURIComponent(fileId)}${inline ? '?inline=1' : ''}`;
}
