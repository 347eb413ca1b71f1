// What the page knows, keyed by "node/id". Filled from /api/devices and the live stream.

export const HISTORY_SECONDS = 300;
const MAX_EVENTS = 200;

export const state = {
  self: null,
  readOnly: false,
  nodes: [],
  devices: new Map(), // key -> device snapshot (with node)
  stats: new Map(), // key -> the latest vhost.stats message
  rates: new Map(), // key -> per-queue rates from the last two stats
  history: new Map(), // key -> { t: [], queues: Map(index -> { req: [], mb: [] }) }
  events: new Map(), // key -> events, oldest first
  selected: null,
};

export const keyOf = (node, id) => `${node}/${id}`;

export function addEvent(key, event) {
  const list = state.events.get(key) ?? [];
  list.push(event);
  if (list.length > MAX_EVENTS) list.shift();
  state.events.set(key, list);
}
