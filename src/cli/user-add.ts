import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { addUser } from '../auth/user-directory';
import type { UserRecord } from '../auth/user-record';
import { ConfigError } from '../config/config-error';
import { loadConfig } from '../config/load-config';

const ROLES: UserRecord['role'][] = ['technician', 'supervisor', 'admin', 'customer'];

/**
 * `npm run user:add -- --username NAME --role technician --teams helpdesk[,network] [--password P]`
 * Adds (or replaces) a local user in the data dir, storing only a bcrypt hash. Without --password a
 * random one is generated and printed once. The running node picks the change up on restart.
 */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      username: { type: 'string' },
      role: { type: 'string', default: 'technician' },
      teams: { type: 'string', default: '' },
      password: { type: 'string' },
      name: { type: 'string' },
      email: { type: 'string' },
      'extended-availability': { type: 'boolean', default: false },
    },
  });
  if (!values.username || !/^[A-Za-z0-9._@-]{1,64}$/.test(values.username)) fail('--username is required (letters, digits, . _ @ -)');
  const role = values.role as UserRecord['role'];
  if (!ROLES.includes(role)) fail(`--role must be one of ${ROLES.join(', ')}`);
  const config = loadConfig();
  const teams = values.teams ? values.teams.split(',').map((t) => t.trim()).filter(Boolean) : [];
  const known = new Set(config.teams.map((t) => t.id));
  const unknown = teams.filter((t) => !known.has(t));
  if (unknown.length > 0) fail(`unknown team(s): ${unknown.join(', ')} (teams in config: ${[...known].join(', ')})`);
  const password = values.password ?? randomBytes(12).toString('base64url');
  await addUser(config.node.dataDir, {
    username: values.username!, displayName: values.name, role, teams, password, email: values.email, extendedAvailability: values['extended-availability'],
  });
  process.stdout.write(`user ${values.username} (${role}) saved in ${config.node.dataDir}/users.json${values.password ? '' : `; password: ${password}`}\n`);
}

function fail(message: string): never {
  process.stderr.write(`user:add: ${message}\n`);
  process.exit(2);
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError) {
    process.stderr.write(`${err.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`user:add: ${String(err)}\n`);
  process.exit(1);
});
