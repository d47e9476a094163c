import '../shared/styles.css';
import '../shared/notice.css';
import './admin.css';
import { showLogin } from '../cockpit/login';
import { AdminConsole, type AdminUserInfo } from './console';

const TOKEN_KEY = 'tandem.admin.token';
const USER_KEY = 'tandem.admin.user';

/** The cockpit's sign-in form, worded for this console. */
function login(root: HTMLElement, onLogin: (token: string, user: AdminUserInfo) => void, notice?: string): void {
  showLogin(root, onLogin, notice);
  document.title = 'Sign in · Tandem admin';
  const title = root.querySelector('#login-title');
  if (title) title.textContent = 'Tandem admin';
  const hint = root.querySelector('.login .muted');
  if (hint) hint.textContent = 'Sign in with an administrator account to manage nodes, sessions, users and the audit log.';
}

/** The admin page: the sign-in form, then the console over the admin REST API. */
function boot(): void {
  const root = document.getElementById('app');
  if (!root) return;
  const logout = (notice?: string): void => {
    sessionStorage.removeItem(TOKEN_KEY);
    sessionStorage.removeItem(USER_KEY);
    login(root, signedIn, notice);
  };
  const signedIn = (token: string, user: AdminUserInfo): void => {
    sessionStorage.setItem(TOKEN_KEY, token);
    sessionStorage.setItem(USER_KEY, JSON.stringify(user));
    void new AdminConsole(root, token, user, logout).start();
  };
  const token = sessionStorage.getItem(TOKEN_KEY);
  const userJson = sessionStorage.getItem(USER_KEY);
  if (token && userJson) {
    try {
      void new AdminConsole(root, token, JSON.parse(userJson) as AdminUserInfo, logout).start();
      return;
    } catch {
      // A damaged saved sign-in: ask again.
    }
  }
  login(root, signedIn);
}

boot();
