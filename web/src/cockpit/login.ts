import { h, replace } from '../shared/dom';
import type { User } from './cockpit';

/** The sign-in form: `POST /api/auth/login`; the token is kept in sessionStorage by the caller. */
export function showLogin(root: HTMLElement, onLogin: (token: string, user: User) => void, notice?: string): void {
  document.title = 'Sign in · Tandem';
  const error = h('p', { class: 'error', role: 'alert', hidden: !notice }, notice ?? '');
  const username = h('input', { id: 'login-username', name: 'username', autocomplete: 'username', required: true, autofocus: true });
  const password = h('input', { id: 'login-password', name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const submit = h('button', { class: 'primary', type: 'submit' }, 'Sign in');
  const form = h('form', { class: 'login', 'aria-labelledby': 'login-title' },
    h('div', { class: 'brand' }, h('img', { src: '/assets/favicon.svg', alt: '' }), h('span', { id: 'login-title' }, 'Tandem cockpit')),
    h('p', { class: 'muted' }, 'Sign in to help customers at their desktops.'),
    error,
    h('div', { class: 'field' }, h('label', { for: 'login-username' }, 'Username'), username),
    h('div', { class: 'field' }, h('label', { for: 'login-password' }, 'Password'), password),
    submit);
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    submit.disabled = true;
    error.hidden = true;
    void (async () => {
      try {
        const res = await fetch('/api/auth/login', {
          method: 'POST', headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ username: username.value.trim(), password: password.value }),
        });
        const body = (await res.json().catch(() => ({}))) as { token?: string; user?: User; code?: string; message?: string };
        if (!res.ok || !body.token || !body.user) {
          error.textContent = body.code === 'BAD_CREDENTIALS' ? 'Unknown user or wrong password.' : body.code === 'RATE_LIMITED' ? 'Too many failed attempts. Try again later.' : `Sign-in failed (${body.code ?? res.status}).`;
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
