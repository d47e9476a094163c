import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TandemConfig } from '../config/config.schema';
import { hashPassword } from './password';
import type { UserRecord } from './user-record';

/**
 * Users from config plus the local user file in the data dir (written by `npm run user:add` and by
 * the first start, which creates an `admin` with a random password and prints it once).
 */
export class UserDirectory {
  private readonly users = new Map<string, UserRecord>();
  private readonly file: string;

  constructor(private readonly config: TandemConfig) {
    this.file = join(config.node.dataDir, 'users.json');
    this.reload();
  }

  reload(): void {
    this.users.clear();
    for (const u of readUserFile(this.file)) this.users.set(u.username, u);
    for (const u of this.config.users) {
      this.users.set(u.username, { ...u, displayName: u.displayName ?? u.username, role: u.role as UserRecord['role'] });
    }
  }

  find(username: string): UserRecord | undefined {
    return this.users.get(username);
  }

  list(): UserRecord[] {
    return [...this.users.values()];
  }

  /** Creates the first admin when no admin exists; returns its one-time password for the start banner. */
  async ensureAdmin(): Promise<{ username: string; password: string } | null> {
    if (this.list().some((u) => u.role === 'admin')) return null;
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
