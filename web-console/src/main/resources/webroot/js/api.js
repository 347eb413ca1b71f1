// Calls to the console's REST API with the token; a refusal becomes an ApiError carrying the node's reason.
import { token } from './token.js';

export class ApiError extends Error {
  constructor(status, reason) {
    super(reason);
    this.status = status;
  }
}

export async function api(method, path, body) {
  const headers = { Authorization: `Bearer ${token()}` };
  const init = { method, headers };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(path, init);
  } catch (e) {
    throw new ApiError(0, `the console does not answer (${e.message})`);
  }
  const text = await response.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  if (!response.ok) {
    throw new ApiError(response.status, json?.error ?? (text || response.statusText));
  }
  return json;
}

/** Fetches path with the token and hands the body to the browser as a file download. */
export async function download(path, fallbackName) {
  let response;
  try {
    response = await fetch(path, { headers: { Authorization: `Bearer ${token()}` } });
  } catch (e) {
    throw new ApiError(0, `the console does not answer (${e.message})`);
  }
  if (!response.ok) {
    const text = await response.text();
    let reason = text || response.statusText;
    try { reason = JSON.parse(text).error ?? reason; } catch { /* not JSON */ }
    throw new ApiError(response.status, reason);
  }
  const name = /filename="([^"]+)"/.exec(response.headers.get('Content-Disposition') ?? '')?.[1] ?? fallbackName;
  const url = URL.createObjectURL(await response.blob());
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 60000);
}

/** The path of a device: /api/devices/{node}/{id}. */
export const devicePath = (node, id) => `/api/devices/${encodeURIComponent(node)}/${encodeURIComponent(id)}`;
