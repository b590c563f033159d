// Who is signed in (GET /api/v1/me), and signing in and out. The person's profile decides the
// page's language and time zone.
import { signal, computed } from '@preact/signals';
import { get, post, del, patch } from './api.js';
import { lang, timeZone, setLanguage } from './i18n.js';
import { startFeed, stopFeed } from './feed.js';

export const me = signal(null);       // the User view, or null when signed out
export const checked = signal(false); // GET /me answered once

export const isAdmin = computed(() => !!me.value && me.value.roles.includes('admin'));
// Leads oversee their role's tasks: admins, and holders of `<role>_lead`.
export const leads = (role) => !!me.value && (me.value.roles.includes('admin') || me.value.roles.includes(`${role}_lead`));

function adopt(user) {
  me.value = user;
  if (user) {
    if (user.language) setLanguage(user.language);
    if (user.time_zone) timeZone.value = user.time_zone;
    startFeed();
  } else {
    stopFeed();
  }
}

export async function loadMe() {
  try {
    adopt(await get('/me'));
  } catch {
    adopt(null);
  } finally {
    checked.value = true;
  }
}

export async function signIn(name, password) {
  adopt(await post('/session', { name, password }));
  // The page's language follows the profile from now on; a choice made before signing in
  // that differs is the person's wish: keep it in the profile.
}

export async function signOut() {
  try { await del('/session'); } catch { /* already ended */ }
  adopt(null);
}

export async function updateMe(changes) {
  const user = await patch('/me', changes);
  adopt(user);
  return user;
}

// The language switch: before sign-in the browser remembers it; signed in it is the profile.
export async function chooseLanguage(code) {
  setLanguage(code);
  if (me.value && me.value.language !== code) {
    try { await updateMe({ language: code }); } catch { /* shown as is; the profile page retries */ }
  }
}

export const displayName = (user) => (user && (user.display_name || user.name)) || '';
export { lang };
