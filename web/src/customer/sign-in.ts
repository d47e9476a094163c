import { h, replace } from '../shared/dom';
import { fetchRealms, loginErrorText, realmSelect } from '../shared/realms';

const REALM_KEY = 'tandem.customer.realm';

/** The claims of a JWT, read without checking it (the server checks; the page only shows the name). */
function claimsOf(token: string): { name?: string; user?: string } {
  try {
    return JSON.parse(atob(token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/'))) as { name?: string; user?: string };
  } catch {
    return {};
  }
}

/**
 * "Sign in with your account" on the customer panel (docs/realms.md): the user picks their user database,
 * signs in (`POST /api/auth/panel-login` with the panel's token) and the panel continues with a token that
 * names them, so the requests they file carry their account and their e-mail address.
 */
export function panelSignIn(token: string, onToken: (token: string) => void): HTMLElement {
  const claims = claimsOf(token);
  const box = h('div', { class: 'panel-signin', 'data-testid': 'panel-signin' });
  if (claims.user) {
    replace(box, h('p', { class: 'small' }, 'Signed in as ', h('strong', { 'data-testid': 'signed-in-as' }, claims.name ?? claims.user), h('span', { class: 'muted' }, ` (${claims.user})`),
      '. Your requests are filed under your account.'));
    return box;
  }
  const error = h('p', { class: 'form-error', role: 'alert', hidden: true });
  const realmField = h('div', { class: 'field', hidden: true });
  let realm: HTMLSelectElement | null = null;
  let realmNames = new Map<string, string>();
  const username = h('input', { id: 'signin-username', autocomplete: 'username', required: true });
  const password = h('input', { id: 'signin-password', type: 'password', autocomplete: 'current-password', required: true });
  const submit = h('button', { type: 'submit' }, 'Sign in');
  const form = h('form', { class: 'stack', 'aria-labelledby': 'signin-title' },
    h('h4', { id: 'signin-title' }, 'Sign in with your account (optional)'),
    h('p', { class: 'small muted' }, 'Your request is then filed under your name, and updates go to the e-mail address of your account.'),
    realmField,
    h('div', { class: 'row wrap' },
      h('div', { class: 'field grow' }, h('label', { for: username.id }, 'Username'), username),
      h('div', { class: 'field grow' }, h('label', { for: password.id }, 'Password'), password)),
    error,
    h('div', { class: 'row' }, submit));
  void fetchRealms().then((realms) => {
    realmNames = new Map(realms.map((r) => [r.id, r.name]));
    if (realms.length < 2) return;
    realm = realmSelect('signin-realm', realms, REALM_KEY);
    replace(realmField, h('label', { for: realm.id }, 'User database'), realm);
    realmField.hidden = false;
  });
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    submit.disabled = true;
    error.hidden = true;
    void (async () => {
      try {
        const res = await fetch('/api/auth/panel-login', {
          method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body: JSON.stringify({ username: username.value.trim(), password: password.value, ...(realm ? { realm: realm.value } : {}) }),
        });
        const body = (await res.json().catch(() => ({}))) as { token?: string; code?: string; message?: string };
        password.value = '';
        if (!res.ok || !body.token) {
          error.textContent = loginErrorText(body, res.status, realm ? realmNames.get(realm.value) : undefined);
          error.hidden = false;
          return;
        }
        onToken(body.token);
      } catch {
        error.textContent = 'The server cannot be reached.';
        error.hidden = false;
      } finally {
        submit.disabled = false;
      }
    })();
  });
  box.append(form);
  return box;
}
