import type { UserRecord } from '../user-record';

/** What a login against a realm comes to. */
export type RealmLogin =
  | { ok: true; user: UserRecord }
  | { ok: false; code: 'BAD_CREDENTIALS' | 'DIRECTORY_UNAVAILABLE' };

/** A realm as the login pages and the request board see it. */
export interface RealmInfo {
  id: string;
  name: string;
  kind: 'local' | 'ldap';
}
