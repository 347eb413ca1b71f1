// Rates from two consecutive vhost.stats messages of one device, over the time between their ts.
import { HISTORY_SECONDS } from './state.js';

const perSecond = (now, before, seconds) => Math.max(0, (now ?? 0) - (before ?? 0)) / seconds;

/** Per queue: requests/s, MB/s, kicks/s, calls/s, and the current errors and inFlight; null without a previous message. */
export function rates(previous, current) {
  if (!previous) return null;
  const seconds = (current.ts - previous.ts) / 1000;
  if (!(seconds > 0)) return null;
  const before = new Map(previous.queues.map((q) => [q.index, q]));
  return current.queues.map((q) => {
    const p = before.get(q.index) ?? q;
    return {
      index: q.index,
      requests: perSecond(q.requests, p.requests, seconds),
      mb: perSecond(q.bytes, p.bytes, seconds) / 1e6,
      kicks: perSecond(q.kicks, p.kicks, seconds),
      calls: perSecond(q.calls, p.calls, seconds),
    };
  });
}

export function totals(queueRates) {
  const sum = { requests: 0, mb: 0 };
  for (const q of queueRates ?? []) {
    sum.requests += q.requests;
    sum.mb += q.mb;
  }
  return sum;
}

/** Appends one point per queue to a device's history and drops what is older than HISTORY_SECONDS. */
export function record(history, ts, queueRates) {
  const t = ts / 1000;
  history.t.push(t);
  const length = history.t.length;
  for (const q of queueRates) {
    if (!history.queues.has(q.index)) {
      history.queues.set(q.index, { req: new Array(length - 1).fill(null), mb: new Array(length - 1).fill(null) });
    }
  }
  const byIndex = new Map(queueRates.map((q) => [q.index, q]));
  for (const [index, series] of history.queues) {
    series.req.push(byIndex.get(index)?.requests ?? null);
    series.mb.push(byIndex.get(index)?.mb ?? null);
  }
  while (history.t.length && history.t[0] < t - HISTORY_SECONDS) {
    history.t.shift();
    for (const series of history.queues.values()) {
      series.req.shift();
      series.mb.shift();
    }
  }
}
