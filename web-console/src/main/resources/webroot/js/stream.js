// The live stream: /api/stream as server-sent events, vhost.stats as "stats" and vhost.events as "event".
import { token } from './token.js';

let source = null;

/** Opens the stream; handlers: {stats(msg), event(msg), status(text, cssClass)}. */
export function openStream(handlers) {
  closeStream();
  source = new EventSource(`/api/stream?token=${encodeURIComponent(token())}`);
  const parse = (e) => {
    const msg = JSON.parse(e.data);
    msg.ts ??= Date.now(); // a node without ts: the time it arrived
    return msg;
  };
  source.addEventListener('open', () => handlers.status('live', 'live'));
  source.addEventListener('stats', (e) => handlers.stats(parse(e)));
  source.addEventListener('event', (e) => handlers.event(parse(e)));
  source.addEventListener('error', () => {
    if (source.readyState === EventSource.CLOSED) handlers.status('stream closed', 'bad', true);
    else handlers.status('reconnecting…', 'warn');
  });
}

export function closeStream() {
  source?.close();
  source = null;
}
