import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { Logger } from '@nestjs/common';
import { Client, InvalidCredentialsError, NoSuchObjectError, SizeLimitExceededError, type Entry } from 'ldapts';
import type { LdapRealmConfig, RealmConfig } from '../../config/config.schema';
import type { UserRecord } from '../user-record';
import { allUsersFilter, normalizeDn, userFilterFor } from './ldap-filter';
import type { RealmLogin } from './realm';
import { qualifiedUserId, USERNAME_PATTERN } from './realm-user-id';

const ROLE_RANK: Record<UserRecord['role'], number> = { customer: 0, technician: 1, supervisor: 2, admin: 3 };
/** The first retry after a failed sync; it doubles up to syncIntervalSeconds. */
const FIRST_RETRY_MS = 1000;

/** A failure to reach or use the directory (as opposed to a wrong password). */
class DirectoryUnavailableError extends Error {
  override readonly name = 'DirectoryUnavailableError';
}

/**
 * An LDAP directory as a user database. The rest of the server asks synchronously (`find`, `list`), so
 * the realm keeps every user in memory: a full sync on start and every `syncIntervalSeconds` (paged),
 * and the entry of each user who logs in. A login searches the user's DN with the service account and
 * binds as that DN with the given password: the directory checks the password, never this code.
 */
export class LdapRealm {
  private readonly logger: Logger;
  private readonly cfg: LdapRealmConfig;
  private users = new Map<string, UserRecord>();
  private timer: NodeJS.Timeout | null = null;
  private retryMs = FIRST_RETRY_MS;
  private isDown = false;
  private isClosed = false;

  constructor(readonly realm: RealmConfig) {
    this.cfg = realm.ldap!;
    this.logger = new Logger(`realm:${realm.id}`);
    const host = new URL(this.cfg.url).hostname;
    if (this.cfg.url.startsWith('ldap:') && !this.cfg.startTls && !['127.0.0.1', 'localhost', '[::1]'].includes(host)) {
      this.logger.warn(`passwords go to ${host} unencrypted [realm:${realm.id}]; use ldaps:// or startTls: true`);
    }
  }

  get id(): string {
    return this.realm.id;
  }

  /** Whether the last contact with the directory failed. */
  get isUnavailable(): boolean {
    return this.isDown;
  }

  find(userId: string): UserRecord | undefined {
    return this.users.get(userId);
  }

  list(): UserRecord[] {
    return [...this.users.values()];
  }

  /** First sync (its failure is logged, not thrown: a dead directory must not keep the node from starting), then the schedule. */
  async start(): Promise<void> {
    await this.syncAndSchedule();
  }

  close(): void {
    this.isClosed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** Reads every user (and the configured groups) and replaces the cache. */
  async sync(): Promise<number> {
    const users = await this.withClient(async (client) => {
      const groups = await this.readGroups(client);
      const { searchEntries } = await client.search(this.cfg.baseDn, {
        scope: 'sub', filter: allUsersFilter(this.cfg.userFilter), attributes: this.attributeNames(), paged: { pageSize: this.cfg.pageSize },
      });
      const out = new Map<string, UserRecord>();
      for (const entry of searchEntries) {
        const user = this.toUser(entry, groups);
        if (user) out.set(user.username, user);
      }
      return out;
    });
    this.users = users;
    return users.size;
  }

  /** Real LDAP authentication: find the DN with the service bind, then bind as it with `password`. */
  async login(username: string, password: string): Promise<RealmLogin> {
    // An empty password would be an unauthenticated bind (RFC 4513 §5.1.2), which servers accept.
    // The username goes into the filter escaped (RFC 4515), whatever it contains.
    if (!password) return { ok: false, code: 'BAD_CREDENTIALS' };
    try {
      const found = await this.withClient(async (client) => {
        const { searchEntries } = await client.search(this.cfg.baseDn, {
          scope: 'sub', filter: userFilterFor(this.cfg.userFilter, username), attributes: this.attributeNames(),
        });
        return searchEntries.length === 1 ? { entry: searchEntries[0], groups: await this.readGroups(client) } : null;
      });
      if (!found) return { ok: false, code: 'BAD_CREDENTIALS' };
      const user = this.toUser(found.entry, found.groups);
      if (!user) return { ok: false, code: 'BAD_CREDENTIALS' };
      const client = this.client();
      try {
        await this.secure(client);
        await client.bind(found.entry.dn, password);
      } catch (err) {
        if (err instanceof InvalidCredentialsError) return { ok: false, code: 'BAD_CREDENTIALS' };
        throw this.unavailable(err);
      } finally {
        await client.unbind().catch(() => undefined);
      }
      this.users.set(user.username, user);
      return { ok: true, user };
    } catch (err) {
      if (err instanceof DirectoryUnavailableError) return { ok: false, code: 'DIRECTORY_UNAVAILABLE' };
      throw err;
    }
  }

  private async syncAndSchedule(): Promise<void> {
    if (this.isClosed) return;
    let delayMs = this.cfg.syncIntervalSeconds * 1000;
    try {
      const n = await this.sync();
      this.retryMs = FIRST_RETRY_MS;
      this.logger.log(`sync() [realm:${this.id}, users:${n}]`);
    } catch (err) {
      if (err instanceof SizeLimitExceededError) {
        this.logger.error(`sync() stopped at the directory's size limit [realm:${this.id}]; allow the service account more entries (OpenLDAP: limits dn.exact="<bindDn>" size.prtotal=unlimited); the cache keeps ${this.users.size} users`);
      } else if (!(err instanceof DirectoryUnavailableError)) this.logger.error({ err }, `sync() failed [realm:${this.id}]`);
      delayMs = Math.min(this.retryMs, delayMs);
      this.retryMs = Math.min(this.retryMs * 2, this.cfg.syncIntervalSeconds * 1000);
    }
    if (this.isClosed) return;
    this.timer = setTimeout(() => void this.syncAndSchedule(), delayMs);
    this.timer.unref();
  }

  /** Runs `work` on a connection bound as the service account; connection trouble becomes DirectoryUnavailableError. */
  private async withClient<T>(work: (client: Client) => Promise<T>): Promise<T> {
    const client = this.client();
    try {
      await this.secure(client);
      if (this.cfg.bindDn) await client.bind(this.cfg.bindDn, this.bindPassword());
      const result = await work(client);
      this.markUp();
      return result;
    } catch (err) {
      // The directory answered, but refused the size of the answer: not an outage, a limit to raise.
      if (err instanceof SizeLimitExceededError) throw err;
      throw this.unavailable(err);
    } finally {
      await client.unbind().catch(() => undefined);
    }
  }

  /** TLS options go to the constructor for ldaps:// only: on an ldap:// client, ldapts 8.2 then fails the StartTLS handshake. */
  private client(): Client {
    const ca = this.cfg.caFile && this.cfg.url.startsWith('ldaps:') ? readFileSync(this.cfg.caFile) : undefined;
    return new Client({ url: this.cfg.url, timeout: this.cfg.timeoutMs, connectTimeout: this.cfg.timeoutMs, ...(ca ? { tlsOptions: { ca } } : {}) });
  }

  /**
   * StartTLS on an ldap:// connection. The upgraded socket knows no host name, so the certificate is
   * checked against the url's host (and SNI names it, unless it is an IP address, which SNI forbids).
   */
  private async secure(client: Client): Promise<void> {
    if (!this.cfg.startTls) return;
    const ca = this.cfg.caFile ? readFileSync(this.cfg.caFile) : undefined;
    const host = new URL(this.cfg.url).hostname.replace(/^\[|\]$/g, '');
    await client.startTLS({ host, ...(isIP(host) ? {} : { servername: host }), ...(ca ? { ca } : {}) });
  }

  private bindPassword(): string {
    return this.cfg.bindPasswordFile ? readFileSync(this.cfg.bindPasswordFile, 'utf8').trim() : this.cfg.bindPassword;
  }

  /** Logs once per outage, not once per attempt. */
  private unavailable(err: unknown): DirectoryUnavailableError {
    if (err instanceof DirectoryUnavailableError) return err;
    if (!this.isDown) {
      this.isDown = true;
      const reason = err instanceof InvalidCredentialsError ? 'the service bind was refused (bindDn/bindPassword)' : (err as Error)?.message ?? String(err);
      this.logger.warn(`directory unavailable [realm:${this.id}, url:${this.cfg.url}]: ${reason}; retrying with backoff`);
    }
    return new DirectoryUnavailableError(`realm ${this.id} is unavailable`, { cause: err });
  }

  private markUp(): void {
    if (!this.isDown) return;
    this.isDown = false;
    this.logger.log(`directory reachable again [realm:${this.id}]`);
  }

  private attributeNames(): string[] {
    const a = this.cfg.attributes;
    return [a.username, a.displayName, a.email];
  }

  /** Member DNs (normalized) of each configured group. */
  private async readGroups(client: Client): Promise<Map<string, Set<string>>> {
    const out = new Map<string, Set<string>>();
    for (const g of this.cfg.groups) {
      const members = new Set<string>();
      try {
        const { searchEntries } = await client.search(g.dn, { scope: 'base', filter: '(objectClass=*)', attributes: ['member'] });
        for (const m of asList(searchEntries[0]?.member)) members.add(normalizeDn(m));
      } catch (err) {
        // A missing group gives its members nothing; it is a config mistake, not an outage.
        if (!(err instanceof NoSuchObjectError)) throw err;
        this.logger.warn(`group not found [realm:${this.id}, dn:${g.dn}]`);
      }
      out.set(g.dn, members);
    }
    return out;
  }

  private toUser(entry: Entry, groups: Map<string, Set<string>>): UserRecord | null {
    const a = this.cfg.attributes;
    const username = first(entry[a.username]);
    if (!username || !USERNAME_PATTERN.test(username)) return null;
    const dn = normalizeDn(entry.dn);
    let role = this.cfg.defaultRole as UserRecord['role'];
    const teams = new Set<string>();
    for (const g of this.cfg.groups) {
      if (!groups.get(g.dn)?.has(dn)) continue;
      if (ROLE_RANK[g.role as UserRecord['role']] > ROLE_RANK[role]) role = g.role as UserRecord['role'];
      g.teams.forEach((t) => teams.add(t));
    }
    const email = first(entry[a.email]);
    return {
      username: qualifiedUserId(this.id, username), displayName: first(entry[a.displayName]) || username, role, teams: [...teams],
      passwordHash: '', realm: this.id, ...(email ? { email } : {}),
    };
  }
}

function asList(v: Entry[string] | undefined): string[] {
  if (v === undefined) return [];
  return (Array.isArray(v) ? v : [v]).map((x) => (Buffer.isBuffer(x) ? x.toString('utf8') : String(x)));
}

function first(v: Entry[string] | undefined): string {
  return asList(v)[0] ?? '';
}
