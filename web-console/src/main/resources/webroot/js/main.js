// Wires the page: token, first load from the REST API, then live updates from the stream.
import { api } from './api.js';
import { $ } from './dom.js';
import { state, keyOf, addEvent } from './state.js';
import { rates, record } from './rates.js';
import { renderDevices, renderUnreachable, updateRow } from './devices.js';
import { renderDetail, updateDetail } from './detail.js';
import { renderAddForm } from './addform.js';
import { openStream, closeStream } from './stream.js';
import { setToken, takeTokenFromFragment, token } from './token.js';
import { showRefusal } from './message.js';

let reloadTimer = null;
const unknownStats = new Set(); // devices whose stats came before they were listed

function select(key) {
  state.selected = key;
  renderDevices(select);
  renderDetail(reloadSoon);
}

/** How often the page lists the devices again without a message asking for it. */
const LIST_MILLIS = 10000;
let listTimer = null;

/** Fetches every node's devices again: after an event, an action, or stats of a device we do not know. */
async function reloadDevices() {
  try {
    const answer = await api('GET', '/api/devices');
    state.devices = new Map(answer.devices.map((d) => [keyOf(d.node, d.id), d]));
    for (const key of state.devices.keys()) unknownStats.delete(key);
    renderUnreachable(answer.unreachable ?? []);
  } catch (e) {
    showRefusal('listing the devices', e);
    return;
  }
  renderDevices(select);
  if (state.selected && !state.devices.has(state.selected)) state.selected = null;
  renderDetail(reloadSoon);
}

/** One reload shortly, however many messages ask for it meanwhile (stats come every statsMillis). */
function reloadSoon() {
  if (reloadTimer !== null) return;
  reloadTimer = setTimeout(() => {
    reloadTimer = null;
    reloadDevices();
  }, 250);
}

function onStats(msg) {
  const key = keyOf(msg.node ?? state.self, msg.device);
  const previous = state.stats.get(key);
  state.stats.set(key, msg);
  const queueRates = rates(previous, msg);
  if (queueRates) {
    state.rates.set(key, queueRates);
    if (!state.history.has(key)) state.history.set(key, { t: [], queues: new Map() });
    record(state.history.get(key), msg.ts, queueRates);
  }
  if (!state.devices.has(key)) {
    // A device we have not listed (added elsewhere): ask once, not at every message.
    if (!unknownStats.has(key)) {
      unknownStats.add(key);
      reloadSoon();
    }
    return;
  }
  updateRow(key);
  updateDetail(key);
}

function onEvent(msg) {
  const key = keyOf(msg.node ?? state.self, msg.device);
  addEvent(key, msg);
  updateDetail(key);
  reloadSoon();
}

function streamStatus(text, cls, closed) {
  const badge = $('#live');
  badge.textContent = text;
  badge.className = `badge ${cls}`;
  if (closed) {
    // EventSource does not say why; ask the API, which does (a wrong token is a 401).
    api('GET', '/api/nodes').catch((e) => showRefusal('the live stream', e));
  }
}

async function start() {
  closeStream();
  $('#message').hidden = true;
  try {
    const nodes = await api('GET', '/api/nodes');
    state.self = nodes.self;
    state.readOnly = nodes.readOnly;
    state.nodes = nodes.nodes;
  } catch (e) {
    streamStatus('not connected', 'bad');
    showRefusal(token() ? 'the console' : 'the console (enter the token printed at start)', e);
    return;
  }
  $('#node').textContent = `node ${state.self}`;
  $('#read-only').hidden = !state.readOnly;
  $('#token-input').classList.remove('invalid');
  openStream({ stats: onStats, event: onEvent, status: streamStatus });
  await reloadDevices();
  // A node the console learns from the cluster's registry (every 10 s) may publish nothing at all
  // (no stats, no events), so nothing on the stream would make the page list it: look again now
  // and then. Started once, however often the token changes.
  if (listTimer === null) listTimer = setInterval(reloadDevices, LIST_MILLIS);
  try {
    renderAddForm((await api('GET', '/api/types')).types ?? [], reloadSoon);
  } catch (e) {
    showRefusal('listing the device types', e);
  }
}

takeTokenFromFragment();
$('#token-form').addEventListener('submit', (event) => {
  event.preventDefault();
  setToken($('#token-input').value);
  $('#token-input').value = '';
  start();
});
start();
