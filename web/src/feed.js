// The live feed (GET /api/v1/feed, a WebSocket): one socket per page, shared by every view that
// listens. It keeps the cursor of the last message and, when the connection drops, reconnects
// with it after a short back-off, so that the server sends exactly the events missed. Its state
// is a signal the header shows: "live", "connecting", or "lost" (retrying).
import { signal } from '@preact/signals';

export const feedState = signal('idle');
const listeners = new Set();
let socket = null;
let cursor = null;
let wanted = false;
let retries = 0;
let retryTimer = null;

// fn(message) for every message: snapshot, events, notification, resync. Returns the unsubscribe.
export function onFeed(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

export function startFeed() {
  if (wanted) return;
  wanted = true;
  connect();
}

export function stopFeed() {
  wanted = false;
  cursor = null;
  clearTimeout(retryTimer);
  if (socket) socket.close(1000);
  socket = null;
  feedState.value = 'idle';
}

// For tests and the "reconnect" button: drop the socket as a network failure would.
export function dropFeed() {
  if (socket) socket.close(4000, 'dropped');
}

function connect() {
  const url = new URL('/api/v1/feed', location.href);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  if (cursor) url.searchParams.set('cursor', cursor);
  feedState.value = feedState.value === 'lost' ? 'lost' : 'connecting';
  const ws = new WebSocket(url);
  socket = ws;
  ws.onmessage = (frame) => {
    let message;
    try { message = JSON.parse(frame.data); } catch { return; }
    if (message.type !== 'reply' && message.cursor) cursor = message.cursor;
    if (feedState.value !== 'live') { feedState.value = 'live'; retries = 0; }
    for (const fn of listeners) fn(message);
  };
  ws.onopen = () => {
    // Resuming from a cursor sends no snapshot: the socket is live once it is open.
    if (cursor) { feedState.value = 'live'; retries = 0; for (const fn of listeners) fn({ type: 'resumed' }); }
  };
  ws.onclose = (event) => {
    if (socket !== ws) return;
    socket = null;
    if (!wanted) return;
    feedState.value = 'lost';
    // 1008: a cursor the server no longer takes, or a revoked session: start afresh (a
    // revoked session then fails its next REST call and signs out).
    if (event.code === 1008) cursor = null;
    const delay = Math.min(15000, 500 * 2 ** retries++) * (0.75 + Math.random() / 2);
    retryTimer = setTimeout(connect, delay);
  };
}
