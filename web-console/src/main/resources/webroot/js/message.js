// The banner under the header: an action's result, or a refusal with its status and reason.
import { $ } from './dom.js';

export function showResult(text) {
  const box = $('#message');
  box.textContent = text;
  box.className = 'ok';
  box.hidden = false;
}

export function showRefusal(what, error) {
  const box = $('#message');
  const status = error.status ? ` (${error.status})` : '';
  box.textContent = `${what} refused${status}: ${error.message}`;
  box.className = 'error';
  box.hidden = false;
  $('#token-input').classList.toggle('invalid', error.status === 401);
}
