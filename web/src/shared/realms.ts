import { h } from './dom';

/** A user database (realm) as `GET /api/auth/realms` lists it (docs/realms.md). */
export interface Realm { id: string; name: string; kind: 'local' | 'ldap' }

/** The configured realms; an empty list when the server cannot be asked (the pages then send no realm). */
export async function fetchRealms(): Promise<Realm[]> {
  try {
    const res = await fetch('/api/auth/realms');
    if (!res.ok) return [];
    return ((await res.json()) as { realms?: Realm[] }).realms ?? [];
  } catch {
    return [];
  }
}

/** A `<select>` of the realms, preselecting the remembered one (localStorage `key`) and remembering each change. */
export function realmSelect(id: string, realms: Realm[], key: string): HTMLSelectElement {
  const remembered = localStorage.getItem(key);
  const select = h('select', { id }, realms.map((r) => h('option', { value: r.id }, r.name)));
  if (remembered && realms.some((r) => r.id === remembered)) select.value = remembered;
  select.addEventListener('change', () => localStorage.setItem(key, select.value));
  return select;
}

/** The sign-in error for a failed login answer, in the user's words. */
export function loginErrorText(body: { code?: string; message?: string }, status: number, realmName?: string): string {
  switch (body.code) {
    case 'BAD_CREDENTIALS': return 'Unknown user or wrong password.';
    case 'RATE_LIMITED': return 'Too many failed attempts. Try again later.';
    case 'DIRECTORY_UNAVAILABLE': return `The user database${realmName ? ` “${realmName}”` : ''} cannot be reached right now. Try again later.`;
    case 'UNKNOWN_REALM': return 'This user database no longer exists. Reload the page.';
    default: return `Sign-in failed (${body.code ?? status}).`;
  }
}
