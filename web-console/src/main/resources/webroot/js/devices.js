// The devices table: one row per device of every node, its rates updated from the stream.
import { $, clear, el, fmt } from './dom.js';
import { state, keyOf } from './state.js';
import { totals } from './rates.js';

/** The state shown for a device: the node's state, and the link when a net port's is down. */
export function stateText(device) {
  const info = state.stats.get(keyOf(device.node, device.id))?.info ?? device.info ?? {};
  return info.link === 'down' ? `${device.state} · link down` : device.state;
}

export function renderDevices(onSelect) {
  const body = clear($('#devices tbody'));
  const devices = [...state.devices.values()].sort((a, b) => keyOf(a.node, a.id).localeCompare(keyOf(b.node, b.id)));
  for (const d of devices) {
    const key = keyOf(d.node, d.id);
    const features = d.features ?? [];
    body.append(el('tr', { 'data-key': key, class: key === state.selected ? 'selected' : null, onclick: () => onSelect(key) },
      el('td', {}, d.node),
      el('td', { class: 'id' }, d.id),
      el('td', {}, d.type),
      el('td', { class: `state state-${d.state}` }, stateText(d)),
      el('td', { class: 'socket' }, d.socket ?? ''),
      el('td', { class: 'features', title: features.join(' ') }, features.length ? features.join(' ') : ''),
      el('td', { class: 'num req' }, ''),
      el('td', { class: 'num mb' }, '')));
    updateRow(key);
  }
  if (!devices.length) {
    body.append(el('tr', {}, el('td', { colspan: 8 }, 'no devices')));
  }
}

/** Refreshes one row's state and rates. */
export function updateRow(key) {
  const row = document.querySelector(`#devices tr[data-key="${CSS.escape(key)}"]`);
  const device = state.devices.get(key);
  if (!row || !device) return;
  const sum = totals(state.rates.get(key));
  row.querySelector('.req').textContent = state.rates.has(key) ? fmt(sum.requests) : '';
  row.querySelector('.mb').textContent = state.rates.has(key) ? fmt(sum.mb) : '';
  const cell = row.querySelector('.state');
  cell.textContent = stateText(device);
  cell.classList.toggle('link-down', cell.textContent.includes('link down'));
}

export function renderUnreachable(unreachable) {
  $('#unreachable').textContent = unreachable.length
    ? `not answering: ${unreachable.map((u) => `${u.node} (${u.error})`).join(', ')}`
    : '';
}
