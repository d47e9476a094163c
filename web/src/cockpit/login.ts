import { h, replace } from '../shared/dom';
import { fetchRealms, loginErrorText, realmSelect } from '../shared/realms';
import type { User } from './cockpit';

const REALM_KEY = 'tandem.login.realm';

/**
 * The sign-in form: `POST /api/auth/login`; the token is kept in sessionStorage by the caller. With more
 * than one user database configured, a "User database" select says which one to check (remembered).
 */
export function showLogin(root: HTMLElement, onLogin: (token: string, user: User) => void, notice?: string): void {
  document.title = 'Sign in · Tandem';
  const error = h('p', { class: 'error', role: 'alert', hidden: !notice }, notice ?? '');
  const username = h('input', { id: 'login-username', name: 'username', autocomplete: 'username', required: true, autofocus: true });
  const password = h('input', { id: 'login-password', name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const realmField = h('div', { class: 'field', hidden: true });
  let realm: HTMLSelectElement | null = null;
  const submit = h('button', { class: 'primary', type: 'submit' }, 'Sign in');
  const form = h('form', { class: 'login', 'aria-labelledby': 'login-title' },
    h('div', { class: 'brand' }, h('img', { src: '/assets/favicon.svg', alt: '' }), h('span', { id: 'login-title' }, 'Tandem cockpit')),
    h('p', { class: 'muted' }, 'Sign in to help customers at their desktops.'),
    error,
    realmField,
    h('div', { class: 'field' }, h('label', { for: 'login-username' }, 'Username'), username),
    h('div', { class: 'field' }, h('label', { for: 'login-password' }, 'Password'), password),
    submit);
  void fetchRealms().then((realms) => {
    if (realms.length < 2) return;
    realm = realmSelect('login-realm', realms, REALM_KEY);
    replace(realmField, h('label', { for: 'login-realm' }, 'User database'), realm);
    realmField.hidden = false;
  });
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    submit.disabled = true;
    error.hidden = true;
    void (async () => {
      try {
        const res = await fetch('/api/auth/login', {
          method: 'POST', headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ username: username.value.trim(), password: password.value, ...(realm ? { realm: realm.value } : {}) }),
        });
        const body = (await res.json().catch(() => ({}))) as { token?: string; user?: User; code?: string; message?: string };
        if (!res.ok || !body.token || !body.user) {
          error.textContent = loginErrorText(body, res.status, realm?.selectedOptions[0]?.textContent ?? undefined);
          error.hidden = false;
          password.value = '';
          password.focus();
          return;
        }
        password.value = '';
        onLogin(body.token, body.user);
      } catch {
        error.textContent = 'The server cannot be reached.';
        error.hidden = false;
      } finally {
        submit.disabled = false;
      }
    })();
  });
  replace(root, h('div', { class: 'login-wrap' }, form));
  username.focus();
}
