// The selected device: facts, actions, queues with live rates, charts, net drops, scsi LUNs, events.
import { $, clear, el, fmt } from './dom.js';
import { state, keyOf } from './state.js';
import { actionsFor, lunActions, run } from './actions.js';
import { devicePath, download } from './api.js';
import { showRefusal } from './message.js';
import { QueueChart } from './charts.js';
import { stateText } from './devices.js';

let charts = [];
let shownKey = null;
let button = null; // makes an action button for the shown device
let lunsShown = null; // the LUN list the LUN table shows, as JSON

/**
 * Shows the selected device (or hides the panel). The panel and its buttons are built once per
 * selection and then only updated in place, so a click never lands on a button being replaced.
 */
export function renderDetail(onChanged) {
  const panel = $('#detail');
  const device = state.devices.get(state.selected);
  if (!device || state.selected !== shownKey) {
    charts.forEach((c) => c.destroy());
    charts = [];
    lunsShown = null;
    shownKey = device ? state.selected : null;
    clear(panel).hidden = !device;
    if (!device) return;
    build(panel, device, onChanged);
  }
  updateDetail(state.selected);
}

function build(panel, device, onChanged) {
  button = (spec) => el('button', {
    class: spec.danger ? 'danger' : null,
    'data-action': spec.action,
    disabled: state.readOnly,
    onclick: () => run(device, spec, onChanged),
  }, spec.label);

  panel.append(
    el('h2', {}, `${device.node}/${device.id} `, el('span', { class: 'state' })),
    el('p', { class: 'facts' }),
    el('div', { class: 'actions' }, actionsFor(device).map(button)),
    el('h3', {}, 'queues'),
    el('table', { class: 'queues' },
      el('thead', {}, el('tr', {}, ['queue', 'running', 'worker', 'requests', 'req/s', 'MB/s', 'kicks/s', 'calls/s',
        'errors', 'in flight'].map((h, i) => el('th', { class: i >= 3 ? 'num' : null }, h)))),
      el('tbody')),
    el('div', { class: 'charts' }, el('div', { class: 'chart', id: 'chart-requests' }), el('div', { class: 'chart', id: 'chart-mb' })),
    el('div', { class: 'columns' },
      el('div', {}, el('div', { id: 'drops-box' }), el('div', { id: 'capture-box' }), el('div', { id: 'luns-box' }),
        el('div', { id: 'disk-box' })),
      el('div', {}, el('h3', {}, 'events'), el('ol', { class: 'events' }))));

  charts = [new QueueChart($('#chart-requests'), 'requests/s', 'req'), new QueueChart($('#chart-mb'), 'MB/s', 'mb')];
}

function facts(d) {
  const parts = [`${d.type} on ${d.socket ?? '?'}`, d.mode ? `mode ${d.mode}` : null];
  if (d.connectedSince) parts.push(`connected since ${new Date(d.connectedSince).toLocaleTimeString()}`);
  if (d.features?.length) parts.push(`features ${d.features.join(' ')}`);
  if (d.protocolFeatures?.length) parts.push(`protocol ${d.protocolFeatures.join(' ')}`);
  return parts.filter(Boolean).join(' · ');
}

/** Refreshes the live parts when key is the device shown. */
export function updateDetail(key) {
  if (key !== shownKey) return;
  const device = state.devices.get(key);
  const stats = state.stats.get(key);
  const rates = new Map((state.rates.get(key) ?? []).map((q) => [q.index, q]));
  const queues = stats?.queues ?? device.queues ?? [];
  const heading = $('#detail h2 .state');
  heading.textContent = stateText(device);
  heading.className = `state state-${device.state}`;
  heading.classList.toggle('link-down', heading.textContent.includes('link down'));
  $('#detail p.facts').textContent = facts(device);

  const body = clear($('#detail table.queues tbody'));
  for (const q of queues) {
    const r = rates.get(q.index);
    body.append(el('tr', { 'data-queue': q.index },
      el('td', {}, q.index), el('td', {}, q.running ? 'yes' : 'no'), el('td', {}, q.worker ?? ''),
      el('td', { class: 'num requests' }, fmt(q.requests)),
      el('td', { class: 'num' }, fmt(r?.requests)), el('td', { class: 'num' }, fmt(r?.mb)),
      el('td', { class: 'num' }, fmt(r?.kicks)), el('td', { class: 'num' }, fmt(r?.calls)),
      el('td', { class: 'num' }, fmt(q.errors)), el('td', { class: 'num' }, fmt(q.inFlight))));
  }

  const history = state.history.get(key);
  if (history?.t.length) charts.forEach((c) => c.update(history));
  renderTypeFacts(device, stats?.info ?? device.info ?? {});
  renderEvents(key);
}

function renderTypeFacts(device, info) {
  const drops = clear($('#drops-box'));
  if (info.drops) {
    drops.append(el('h3', {}, `link ${info.link ?? '?'}`),
      el('table', { class: 'drops' }, el('thead', {}, el('tr', {}, el('th', {}, 'dropped'), el('th', { class: 'num' }, 'frames'))),
        el('tbody', {}, Object.entries(info.drops).map(([reason, n]) =>
          el('tr', { 'data-reason': reason }, el('td', {}, reason), el('td', { class: 'num' }, fmt(n)))))));
  }
  renderCapture(device, info.capture);
  // The LUN rows carry buttons: rebuilt only when the LUNs change.
  const luns = info.luns ? JSON.stringify(info.luns) : null;
  if (luns !== lunsShown) {
    lunsShown = luns;
    const box = clear($('#luns-box'));
    if (info.luns) {
      box.append(el('h3', {}, 'LUNs'), el('table', { class: 'luns' },
        el('thead', {}, el('tr', {}, ['lun', 'size', 'read-only', 'image', ''].map((h) => el('th', {}, h)))),
        el('tbody', {}, info.luns.map((l) => el('tr', { 'data-lun': l.lun },
          el('td', {}, l.lun), el('td', {}, fmt(l.size)), el('td', {}, l.readOnly ? 'yes' : 'no'),
          el('td', {}, l.image ?? (l.ram ? 'ram' : '')), el('td', {}, lunActions(l.lun).map(button)))))));
    }
  }
  const disk = clear($('#disk-box'));
  if (device.type === 'blk' && info.size !== undefined) {
    disk.append(el('h3', {}, 'disk'), el('p', {}, `${fmt(info.size)} bytes${info.readOnly ? ', read-only' : ''}`));
  }
}

/** A net device's last capture, and the download of its pcap file (a read: allowed when read-only). */
function renderCapture(device, capture) {
  const box = $('#capture-box');
  if (!capture) {
    clear(box);
    return;
  }
  const text = `${capture.file}: ${fmt(capture.frames)} frames, ${fmt(capture.bytes)} bytes, `
    + (capture.running ? 'running' : `ended (${capture.ended ?? '?'})`);
  if (!box.firstChild) {
    const path = `${devicePath(device.node, device.id)}/capture.pcap`;
    box.append(el('h3', {}, 'capture'), el('p', { class: 'capture' }),
      el('button', {
        'data-action': 'capture-download',
        onclick: () => download(path, `${device.id}.pcap`).catch((e) => showRefusal(`download of ${device.id}'s capture`, e)),
      }, 'Download pcap'));
  }
  box.querySelector('p.capture').textContent = text;
}

function renderEvents(key) {
  const list = clear($('#detail ol.events'));
  const events = state.events.get(key) ?? [];
  for (const e of [...events].reverse()) {
    const { node, ts, event, device, type, ...rest } = e;
    const extra = Object.keys(rest).length ? ` ${JSON.stringify(rest)}` : '';
    list.append(el('li', { 'data-event': event }, `${new Date(ts ?? Date.now()).toLocaleTimeString()} ${event}${extra}`));
  }
  if (!events.length) list.append(el('li', {}, 'no events since the page opened'));
}
