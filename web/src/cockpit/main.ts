import '../shared/styles.css';
import { Cockpit, type User } from './cockpit';
import { showLogin } from './login';

const TOKEN_KEY = 'tandem.token';
const USER_KEY = 'tandem.user';

/** The cockpit page: a login form, then the cockpit over one /ws/console connection. */
function boot(): void {
  const root = document.getElementById('app');
  if (!root) return;
  const token = sessionStorage.getItem(TOKEN_KEY);
  const userJson = sessionStorage.getItem(USER_KEY);
  const logout = (reason?: string): void => {
    sessionStorage.removeItem(TOKEN_KEY);
    sessionStorage.removeItem(USER_KEY);
    showLogin(root, login, reason);
  };
  const login = (t: string, u: User): void => {
    sessionStorage.setItem(TOKEN_KEY, t);
    sessionStorage.setItem(USER_KEY, JSON.stringify(u));
    new Cockpit(root, t, u, logout).start();
  };
  if (token && userJson) {
    try {
      new Cockpit(root, token, JSON.parse(userJson) as User, logout).start();
      return;
    } catch {
      // A damaged saved login: ask again.
    }
  }
  showLogin(root, login);
}

boot();
