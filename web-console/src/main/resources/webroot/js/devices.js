// The devices table: one row per device of every node, its rates updated from the stream.
import { $, el, fmt } from './dom.js';
import { state, keyOf } from './state.js';
import { totals } from './rates.js';

/** The state shown for a device: the node's state, and the link when a net port's is down. */
export function stateText(device) {
  const info = state.stats.get(keyOf(device.node, device.id))?.info ?? device.info ?? {};
  return info.link === 'down' ? `${device.state} · link down` : device.state;
}

/**
 * Shows every device, keeping the rows of devices already shown (they are updated in place, so a
 * click is never lost to a row being replaced).
 */
export function renderDevices(onSelect) {
  const body = $('#devices tbody');
  const rows = new Map([...body.querySelectorAll('tr[data-key]')].map((r) => [r.dataset.key, r]));
  const devices = [...state.devices.values()].sort((a, b) => keyOf(a.node, a.id).localeCompare(keyOf(b.node, b.id)));
  body.querySelector('tr.empty')?.remove();
  let previous = null;
  for (const d of devices) {
    const key = keyOf(d.node, d.id);
    let row = rows.get(key);
    rows.delete(key);
    if (!row) {
      row = el('tr', { 'data-key': key, onclick: () => onSelect(key) },
        el('td', {}, d.node), el('td', { class: 'id' }, d.id), el('td', { class: 'type' }), el('td', { class: 'state' }),
        el('td', { class: 'socket' }), el('td', { class: 'features' }), el('td', { class: 'num req' }), el('td', { class: 'num mb' }));
    }
    const features = (d.features ?? []).join(' ');
    row.querySelector('.type').textContent = d.type;
    row.querySelector('.socket').textContent = d.socket ?? '';
    row.querySelector('.features').textContent = features;
    row.querySelector('.features').title = features;
    row.classList.toggle('selected', key === state.selected);
    const next = previous ? previous.nextElementSibling : body.firstElementChild;
    if (row !== next) body.insertBefore(row, next); // a row only moves when the order changed
    previous = row;
    updateRow(key);
  }
  rows.forEach((row) => row.remove());
  if (!devices.length) {
    body.append(el('tr', { class: 'empty' }, el('td', { colspan: 8 }, 'no devices')));
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
  cell.className = `state state-${device.state}`;
  cell.classList.toggle('link-down', cell.textContent.includes('link down'));
}

export function renderUnreachable(unreachable) {
  $('#unreachable').textContent = unreachable.length
    ? `not answering: ${unreachable.map((u) => `${u.node} (${u.error})`).join(', ')}`
    : '';
}
