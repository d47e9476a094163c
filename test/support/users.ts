import bcrypt from 'bcryptjs';

/** People every test node knows; the password of each is `<username>-pw`. */
export const TEST_USERS = [
  { username: 'alice', displayName: 'Alice Tech', role: 'technician', teams: ['helpdesk'], email: 'alice@example.test' },
  { username: 'bob', displayName: 'Bob Tech', role: 'technician', teams: ['helpdesk'], email: 'bob@example.test', extendedAvailability: true },
  { username: 'carol', displayName: 'Carol Tech', role: 'technician', teams: ['network'] },
  { username: 'sam', displayName: 'Sam Supervisor', role: 'supervisor', teams: ['helpdesk'] },
  { username: 'root', displayName: 'Root Admin', role: 'admin', teams: ['helpdesk', 'network'] },
] as const;

export type TestUsername = (typeof TEST_USERS)[number]['username'];

export const passwordOf = (username: string): string => `${username}-pw`;

let cached: unknown[] | undefined;

/** The `users:` config section for TEST_USERS (bcrypt cost 4: fast, still a real hash). */
export function testUsersConfig(): unknown[] {
  cached ??= TEST_USERS.map((u) => ({ ...u, teams: [...u.teams], passwordHash: bcrypt.hashSync(passwordOf(u.username), 4) }));
  return cached;
}

export const TEST_TEAMS = [
  { id: 'helpdesk', name: 'Helpdesk', rights: [] },
  { id: 'network', name: 'Network', rights: [] },
];
