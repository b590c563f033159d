// The bell's unread count: read once from GET /api/v1/notifications, then kept live by the
// feed's `notification` messages and by the notifications page as it marks them read.
import { signal, effect } from '@preact/signals';
import { get } from './api.js';
import { onFeed } from './feed.js';
import { me } from './session.js';

export const unread = signal(0);
// The latest notices that arrived live, newest first (the notifications page merges them).
export const arrived = signal([]);

export async function refreshUnread() {
  try {
    const page = await get('/notifications?unread=1&limit=1');
    unread.value = page.unread;
  } catch { /* the bell keeps its count */ }
}

effect(() => {
  if (me.value) refreshUnread();
  else { unread.value = 0; arrived.value = []; }
});

onFeed((message) => {
  if (message.type === 'notification') {
    unread.value += 1;
    arrived.value = [{ ...message, read: false }, ...arrived.value].slice(0, 50);
  } else if (message.type === 'resumed' || (message.type === 'snapshot' && (message.reset || message.resync))) {
    refreshUnread();
  }
});
