import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TandemConfig } from '../config/config.schema';
import type { OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { DUMMY_HASH, hashPassword, verifyPassword } from './password';
import { LdapRealm } from './realms/ldap-realm';
import type { RealmInfo, RealmLogin } from './realms/realm';
import { realmOfUserId } from './realms/realm-user-id';
import type { UserRecord } from './user-record';

/** The realm a request names that is not configured. */
export class UnknownRealmError extends Error {
  override readonly name = 'UnknownRealmError';
}

/**
 * Every user database ("realm", docs/realms.md): the local users (config plus the user file in the
 * data dir, written by `npm run user:add` and by the first start, which creates an `admin` with a
 * random password and prints it once) and the cached users of each LDAP realm. `find()` and `list()`
 * stay synchronous for the gateways; LDAP users have ids of the form `<realm>:<username>`.
 */
export class UserDirectory implements OnModuleInit, OnModuleDestroy {
  private readonly users = new Map<string, UserRecord>();
  private readonly file: string;
  private readonly ldap = new Map<string, LdapRealm>();

  constructor(private readonly config: TandemConfig) {
    this.file = join(config.node.dataDir, 'users.json');
    for (const r of config.realms) if (r.kind === 'ldap') this.ldap.set(r.id, new LdapRealm(r));
    this.reload();
  }

  /** The first sync of each LDAP realm; a dead directory is logged and retried, the node starts anyway. */
  async onModuleInit(): Promise<void> {
    await Promise.all([...this.ldap.values()].map((r) => r.start()));
  }

  onModuleDestroy(): void {
    for (const r of this.ldap.values()) r.close();
  }

  /** The configured realms, in config order. */
  realms(): RealmInfo[] {
    return this.config.realms.map((r) => ({ id: r.id, name: r.name, kind: r.kind }));
  }

  /** The realm a user belongs to: its `<realm>:` prefix, else the local realm (or null when none is configured). */
  realmOf(userId: string): string | null {
    return realmOfUserId(userId) ?? this.config.realms.find((r) => r.kind === 'local')?.id ?? null;
  }

  /** The users of one realm. Throws UnknownRealmError. */
  listRealm(realmId: string): UserRecord[] {
    const realm = this.config.realms.find((r) => r.id === realmId);
    if (!realm) throw new UnknownRealmError(`no realm ${realmId}`);
    return realm.kind === 'local' ? [...this.users.values()] : this.ldap.get(realmId)!.list();
  }

  /**
   * Checks a password against a realm (the default realm when omitted): bcrypt for local users, a bind
   * for LDAP. Throws UnknownRealmError. Never tells an unknown user from a wrong password.
   */
  async login(realmId: string | undefined, username: string, password: string): Promise<RealmLogin> {
    const realm = realmId === undefined ? this.config.realms[0] : this.config.realms.find((r) => r.id === realmId);
    if (!realm) throw new UnknownRealmError(`no realm ${realmId}`);
    if (realm.kind === 'ldap') return this.ldap.get(realm.id)!.login(username, password);
    const user = this.users.get(username);
    const ok = await verifyPassword(password, user?.passwordHash || DUMMY_HASH);
    return user && ok ? { ok: true, user } : { ok: false, code: 'BAD_CREDENTIALS' };
  }

  reload(): void {
    this.users.clear();
    for (const u of readUserFile(this.file)) this.users.set(u.username, u);
    for (const u of this.config.users) {
      this.users.set(u.username, { ...u, displayName: u.displayName ?? u.username, role: u.role as UserRecord['role'] });
    }
  }

  find(username: string): UserRecord | undefined {
    const realm = realmOfUserId(username);
    return realm === null ? this.users.get(username) : this.ldap.get(realm)?.find(username);
  }

  /** Every user of every realm. */
  list(): UserRecord[] {
    return [...this.users.values(), ...[...this.ldap.values()].flatMap((r) => r.list())];
  }

  /** Creates the first admin when no admin exists; returns its one-time password for the start banner. */
  async ensureAdmin(): Promise<{ username: string; password: string } | null> {
    if ([...this.users.values()].some((u) => u.role === 'admin')) return null;
    const password = randomBytes(12).toString('base64url');
    await addUser(this.config.node.dataDir, { username: 'admin', displayName: 'Administrator', role: 'admin', teams: this.config.teams.map((t) => t.id), password });
    this.reload();
    return { username: 'admin', password };
  }
}

function readUserFile(file: string): UserRecord[] {
  if (!existsSync(file)) return [];
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as { users?: UserRecord[] };
  return parsed.users ?? [];
}

/** Adds or replaces a user in the data dir's user file (atomic rename). */
export async function addUser(
  dataDir: string,
  input: { username: string; displayName?: string; role: UserRecord['role']; teams: string[]; password: string; email?: string; extendedAvailability?: boolean },
): Promise<UserRecord> {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const file = join(dataDir, 'users.json');
  const users = readUserFile(file).filter((u) => u.username !== input.username);
  const record: UserRecord = {
    username: input.username,
    displayName: input.displayName ?? input.username,
    role: input.role,
    teams: input.teams,
    passwordHash: await hashPassword(input.password),
    ...(input.email ? { email: input.email } : {}),
    ...(input.extendedAvailability ? { extendedAvailability: true } : {}),
  };
  users.push(record);
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify({ users }, null, 2) + '\n', { mode: 0o600 });
  renameSync(tmp, file);
  return record;
}
