// The API token: taken from the URL fragment (#token=...) or entered on the page, kept in sessionStorage.

const KEY = 'vhost-console-token';

export function token() {
  return sessionStorage.getItem(KEY) || '';
}

export function setToken(value) {
  sessionStorage.setItem(KEY, value.trim());
}

/** Moves a #token=... from the address into sessionStorage, and out of the address bar and history. */
export function takeTokenFromFragment() {
  const match = /(?:^#|&)token=([^&]*)/.exec(location.hash);
  if (match) {
    setToken(decodeURIComponent(match[1]));
    history.replaceState(null, '', location.pathname + location.search);
  }
}
