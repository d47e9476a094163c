import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from './config-error';
import { loadConfig } from './load-config';

function dirWith(local?: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'tandem-config-'));
  writeFileSync(join(dir, 'default.yaml'), 'node:\n  port: 8080\nlog:\n  level: info\n');
  if (local !== undefined) writeFileSync(join(dir, 'local.yaml'), local);
  return dir;
}

function errorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('loads the shipped defaults without error', () => {
    const config = loadConfig({ env: {} });
    expect(config.node.port).toBe(8080);
    expect(config.roles.technician).toContain('session.share');
  });

  it('lets local.yaml override defaults and the environment override both', () => {
    const dir = dirWith('node:\n  port: 9000\n');
    expect(loadConfig({ configDir: dir, env: {} }).node.port).toBe(9000);
    expect(loadConfig({ configDir: dir, env: { TANDEM_PORT: '9100' } }).node.port).toBe(9100);
  });

  it('names TANDEM_PORT when it is not a number', () => {
    const err = errorOf(() => loadConfig({ env: { TANDEM_PORT: 'abc' } }));
    expect(err.key).toBe('TANDEM_PORT');
    expect(err.message).toMatch(/TANDEM_PORT="abc".*integer/);
  });

  it('takes the SMTP TLS settings from the environment and names mail.caFile when the file is missing', () => {
    const config = loadConfig({ env: { TANDEM_SMTP_HOST: 'smtp.example.test', TANDEM_SMTP_REQUIRE_TLS: 'true' } });
    expect(config.mail).toMatchObject({ host: 'smtp.example.test', requireTls: true, secure: false, caFile: '' });
    const missing = errorOf(() => loadConfig({ env: { TANDEM_SMTP_CA_FILE: '/nonexistent/ca.pem' } }));
    expect(missing.key).toBe('mail.caFile');
    expect(missing.message).toMatch(/readable PEM file/);
    const both = errorOf(() => loadConfig({ env: { TANDEM_SMTP_SECURE: 'true', TANDEM_SMTP_REQUIRE_TLS: 'true' } }));
    expect(both.key).toBe('mail.requireTls');
  });

  it('takes the request actors\' idle time (5 s by default) and names TANDEM_REQUEST_ACTOR_IDLE_MS when too short', () => {
    expect(loadConfig({ env: {} }).store.requestActorIdleMs).toBe(5000);
    expect(loadConfig({ env: { TANDEM_REQUEST_ACTOR_IDLE_MS: '2000' } }).store.requestActorIdleMs).toBe(2000);
    const err = errorOf(() => loadConfig({ env: { TANDEM_REQUEST_ACTOR_IDLE_MS: '50' } }));
    expect(err.key).toBe('TANDEM_REQUEST_ACTOR_IDLE_MS');
  });

  it('names TANDEM_PORT when it is out of range', () => {
    const err = errorOf(() => loadConfig({ env: { TANDEM_PORT: '70000' } }));
    expect(err.key).toBe('TANDEM_PORT');
    expect(err.message).toMatch(/65535/);
  });

  it('names clipboard.maxBytes when an image of that size could not fit in one WebSocket frame', () => {
    const dir = dirWith('clipboard:\n  maxBytes: 1048576\n');
    const err = errorOf(() => loadConfig({ configDir: dir, env: {} }));
    expect(err.key).toBe('clipboard.maxBytes');
    expect(err.message).toMatch(/ws\.maxPayloadBytes/);
    expect(err.message).toContain('local.yaml');
    expect(loadConfig({ configDir: dir, env: { TANDEM_WS_MAX_PAYLOAD: '2097152' } }).clipboard.maxBytes).toBe(1048576);
    // Left at its default, it follows a smaller frame limit instead.
    expect(loadConfig({ env: { TANDEM_WS_MAX_PAYLOAD: '65536' } }).clipboard.maxBytes).toBe(48384);
  });

  it('reports an unknown YAML key with its full path and file', () => {
    const dir = dirWith('node:\n  prot: 9000\n');
    const err = errorOf(() => loadConfig({ configDir: dir, env: {} }));
    expect(err.key).toBe('node.prot');
    expect(err.message).toMatch(/unknown configuration key/);
    expect(err.message).toContain('local.yaml');
  });

  it('reports a wrongly typed YAML value naming the key', () => {
    const dir = dirWith('log:\n  level: loud\n');
    const err = errorOf(() => loadConfig({ configDir: dir, env: {} }));
    expect(err.key).toBe('log.level');
  });

  it('parses TANDEM_REDIS_SENTINELS and rejects a malformed list', () => {
    const config = loadConfig({ env: { TANDEM_REDIS_SENTINELS: '127.0.0.1:26379, 127.0.0.1:26380' } });
    expect(config.store.redis.sentinels).toEqual([
      { host: '127.0.0.1', port: 26379 },
      { host: '127.0.0.1', port: 26380 },
    ]);
    expect(errorOf(() => loadConfig({ env: { TANDEM_REDIS_SENTINELS: 'nope' } })).key).toBe('TANDEM_REDIS_SENTINELS');
  });

  it('rejects a user whose password is not a bcrypt hash', () => {
    const err = errorOf(() =>
      loadConfig({ env: {}, overrides: { users: [{ username: 'bob', role: 'technician', teams: [], passwordHash: 'plain' }] } }),
    );
    expect(err.key).toBe('users.0.passwordHash');
  });

  it('takes WebRTC ICE servers (default none: host candidates only) and rejects a URL that is not STUN/TURN', () => {
    expect(loadConfig({ env: {} }).media.rtc).toEqual({ enabled: true, iceServers: [] });
    const dir = dirWith('media:\n  rtc:\n    iceServers:\n      - urls: [stun:stun.example.com:3478]\n      - {urls: [turn:turn.example.com:3478], username: u, credential: p}\n');
    expect(loadConfig({ configDir: dir, env: {} }).media.rtc.iceServers).toEqual([
      { urls: ['stun:stun.example.com:3478'] },
      { urls: ['turn:turn.example.com:3478'], username: 'u', credential: 'p' },
    ]);
    expect(errorOf(() => loadConfig({ env: {}, overrides: { media: { rtc: { iceServers: [{ urls: ['http://x'] }] } } } })).key).toBe('media.rtc.iceServers.0.urls');
    expect(errorOf(() => loadConfig({ env: {}, overrides: { media: { rtc: { iceServers: [{ urls: [], secret: 1 }] } } } })).message).toMatch(/unknown configuration key/);
  });
});

describe('loadConfig realms', () => {
  const ldap = { url: 'ldap://127.0.0.1:3890', baseDn: 'ou=people,dc=corp,dc=test' };

  it('defaults to the local users alone', () => {
    expect(loadConfig({ env: {} }).realms).toEqual([expect.objectContaining({ id: 'local', name: 'Local users', kind: 'local' })]);
  });

  it('reads an ldap realm with its defaults', () => {
    const config = loadConfig({ env: {}, overrides: { realms: [{ id: 'local', name: 'Local', kind: 'local' }, { id: 'corp', name: 'Corp', kind: 'ldap', ldap }] } });
    const corp = config.realms[1].ldap!;
    expect(corp.userFilter).toBe('(&(objectClass=inetOrgPerson)(uid={username}))');
    expect(corp.attributes).toMatchObject({ username: 'uid', displayName: 'cn', email: 'mail' });
    expect(corp.syncIntervalSeconds).toBe(300);
    expect(corp.defaultRole).toBe('customer');
  });

  it.each([
    [{ id: 'corp', name: 'Corp', kind: 'ldap', ldap: { ...ldap, url: 'http://x' } }, 'realms.0.ldap.url'],
    [{ id: 'corp', name: 'Corp', kind: 'ldap', ldap: { ...ldap, userFilter: '(uid=bob)' } }, 'realms.0.ldap.userFilter'],
    [{ id: 'corp', name: 'Corp', kind: 'ldap', ldap: { ...ldap, groups: [{ dn: 'cn=t', role: 'root' }] } }, 'realms.0.ldap.groups.0.role'],
    [{ id: 'Corp!', name: 'Corp', kind: 'ldap', ldap }, 'realms.0.id'],
    [{ id: 'corp', name: 'Corp', kind: 'ad' }, 'realms.0.kind'],
    [{ id: 'corp', name: 'Corp', kind: 'ldap' }, 'realms.0.ldap'],
    [{ id: 'corp', name: 'Corp', kind: 'ldap', ldap: { ...ldap, bindDn: 'cn=svc,dc=corp' } }, 'realms.0.ldap.bindPassword'],
    [{ id: 'corp', name: 'Corp', kind: 'ldap', ldap: { ...ldap, url: 'ldaps://x', startTls: true } }, 'realms.0.ldap.startTls'],
    [{ id: 'corp', name: 'Corp', kind: 'ldap', ldap: { ...ldap, sizeLimit: 3 } }, 'realms.0.ldap.sizeLimit'],
  ])('names the bad key of %j', (realm, key) => {
    expect(errorOf(() => loadConfig({ env: {}, overrides: { realms: [realm] } })).key).toBe(key);
  });

  it('refuses two realms with one id and two local realms', () => {
    expect(errorOf(() => loadConfig({ env: {}, overrides: { realms: [{ id: 'a', name: 'A', kind: 'ldap', ldap }, { id: 'a', name: 'B', kind: 'ldap', ldap }] } })).key).toBe('realms.1.id');
    expect(errorOf(() => loadConfig({ env: {}, overrides: { realms: [{ id: 'a', name: 'A' }, { id: 'b', name: 'B' }] } })).key).toBe('realms.1.kind');
    expect(errorOf(() => loadConfig({ env: {}, overrides: { realms: [] } })).key).toBe('realms');
  });

  it('reads the Support Button profiles in their order; local.yaml adds to the shipped default', () => {
    expect(loadConfig({ env: {} }).supportButtons.profiles.default).toMatchObject({ title: 'Get help from IT' });
    const config = loadConfig({ env: {}, overrides: { supportButtons: { profiles: { vpn: { title: 'VPN trouble' } } } } });
    expect(Object.keys(config.supportButtons.profiles)).toEqual(['default', 'vpn']);
    expect(config.supportButtons.profiles.vpn).toMatchObject({ title: 'VPN trouble', description: '' });
    // A minimal default.yaml without the section still has one profile.
    expect(Object.keys(loadConfig({ configDir: dirWith(), env: {} }).supportButtons.profiles)).toEqual(['default']);
  });

  it.each([
    [{ vpn: { title: '' } }, 'supportButtons.profiles.vpn.title'],
    [{ vpn: { title: 'x'.repeat(81) } }, 'supportButtons.profiles.vpn.title'],
    [{ vpn: { description: 'no title' } }, 'supportButtons.profiles.vpn.title'],
    [{ vpn: { title: 'VPN', icon: 'vpn.png' } }, 'supportButtons.profiles.vpn.icon'],
    [{ vpn: { title: 'VPN', description: 'x'.repeat(301) } }, 'supportButtons.profiles.vpn.description'],
    [{ 'VPN!': { title: 'VPN' } }, 'supportButtons.profiles.VPN!'],
    [{ vpn: 'VPN' }, 'supportButtons.profiles.vpn'],
  ])('names the bad Support Button profile key of %j', (profiles, key) => {
    const err = errorOf(() => loadConfig({ env: {}, overrides: { supportButtons: { profiles } } }));
    expect(err.key).toBe(key);
  });

  it('refuses a configuration with no Support Button profile', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tandem-config-'));
    writeFileSync(join(dir, 'default.yaml'), 'supportButtons:\n  profiles: {}\n');
    const err = errorOf(() => loadConfig({ configDir: dir, env: {} }));
    expect(err.key).toBe('supportButtons.profiles');
    expect(err.message).toMatch(/at least one profile/);
  });
});
