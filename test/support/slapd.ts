import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { Client } from 'ldapts';
import { makeCertificates } from './certificates';
import { freePort } from './free-port';
import { startProcess, type TrackedProcess } from './processes';
import { waitFor } from './wait';

export const LDAP_SUFFIX = 'dc=corp,dc=test';
export const LDAP_PEOPLE = `ou=people,${LDAP_SUFFIX}`;
export const LDAP_TECHNICIANS = `cn=technicians,ou=groups,${LDAP_SUFFIX}`;
export const LDAP_SERVICE_DN = `cn=tandem,ou=services,${LDAP_SUFFIX}`;
export const LDAP_SERVICE_PASSWORD = 'tandem-service-pw';
const ROOT_DN = `cn=admin,${LDAP_SUFFIX}`;
const ROOT_PW = 'root-pw';

/** A person in the test directory; their password is stored as {SSHA}. */
export interface LdapPerson { uid: string; cn: string; mail: string; password: string; technician?: boolean }

export interface TestSlapd {
  readonly port: number;
  readonly url: string;
  /** With `tls`: the ldaps:// url, and the PEM of the CA that signed the server's certificate. */
  readonly ldapsUrl: string | null;
  readonly caFile: string | null;
  /** The running slapd's PID, or null while stopped. */
  pid(): number | null;
  /** The temp dir holding the config, the database and the certificates. */
  readonly dir: string;
  /** Stops slapd by PID (the database stays for `start`). */
  stop(): Promise<void>;
  /** Starts it again on the same port with the same data. */
  start(): Promise<void>;
  /** Adds a person over LDAP as the directory's root. */
  add(person: LdapPerson): Promise<void>;
  /** The realm config pointing at this directory. */
  realm(id?: string, name?: string, extra?: Record<string, unknown>): Record<string, unknown>;
  /** Stops slapd and removes its files. */
  destroy(): Promise<void>;
}

/** `{SSHA}` as OpenLDAP stores it: base64(sha1(password + salt) + salt). */
export function ssha(password: string): string {
  const salt = randomBytes(8);
  return `{SSHA}${Buffer.concat([createHash('sha1').update(password).update(salt).digest(), salt]).toString('base64')}`;
}

function personLdif(p: LdapPerson): string {
  return [`dn: uid=${p.uid},${LDAP_PEOPLE}`, 'objectClass: inetOrgPerson', `uid: ${p.uid}`, `cn: ${p.cn}`, `sn: ${p.cn.split(' ').pop()}`, `mail: ${p.mail}`, `userPassword: ${ssha(p.password)}`, ''].join('\n');
}

/**
 * A real OpenLDAP `slapd` (apt) on a free loopback port: back_mdb in a temp dir, the core, cosine,
 * inetorgperson and nis schemas, seeded with slapadd (people, a service account that may read, a
 * groupOfNames of technicians). Only the service account and each user (for its own bind) get in.
 */
/** `tls`: also listen on ldaps:// with a throwaway CA; `sizeLimit`: the server's search size limit, applied to the service account too. */
export async function startSlapd(people: LdapPerson[], options: { tls?: boolean; sizeLimit?: number } = {}): Promise<TestSlapd> {
  const port = await freePort();
  const tlsPort = options.tls ? await freePort() : 0;
  const dir = mkdtempSync(join(tmpdir(), 'tandem-slapd-'));
  mkdirSync(join(dir, 'db'));
  if (options.tls) makeCertificates(dir);
  const conf = join(dir, 'slapd.conf');
  writeFileSync(conf, [
    ...['core', 'cosine', 'inetorgperson', 'nis'].map((s) => `include /etc/ldap/schema/${s}.schema`),
    `pidfile ${dir}/slapd.pid`, `argsfile ${dir}/slapd.args`,
    ...(options.tls ? [`TLSCACertificateFile ${dir}/ca.pem`, `TLSCertificateFile ${dir}/server.pem`, `TLSCertificateKeyFile ${dir}/server.key`] : []),
    'modulepath /usr/lib/ldap', 'moduleload back_mdb',
    'database mdb', 'maxsize 16777216', `suffix "${LDAP_SUFFIX}"`, `rootdn "${ROOT_DN}"`, `rootpw ${ROOT_PW}`, `directory ${dir}/db`,
    'index objectClass,uid,member eq',
    // slapd stops every search at 500 entries (sizelimit), paged or not, unless the account is allowed more:
    // what an operator sets for Tandem's service account (docs/realms.md).
    options.sizeLimit ? `limits * size=${options.sizeLimit}` : `limits dn.exact="${LDAP_SERVICE_DN}" size.soft=unlimited size.hard=unlimited size.prtotal=unlimited`,
    'access to attrs=userPassword by anonymous auth by self read by * none',
    `access to * by dn.exact="${LDAP_SERVICE_DN}" read by self read by * none`,
    '',
  ].join('\n'));
  const technicians = people.filter((p) => p.technician).map((p) => `member: uid=${p.uid},${LDAP_PEOPLE}`);
  const ldif = [
    `dn: ${LDAP_SUFFIX}\nobjectClass: dcObject\nobjectClass: organization\ndc: corp\no: Corp\n`,
    `dn: ou=people,${LDAP_SUFFIX}\nobjectClass: organizationalUnit\nou: people\n`,
    `dn: ou=groups,${LDAP_SUFFIX}\nobjectClass: organizationalUnit\nou: groups\n`,
    `dn: ou=services,${LDAP_SUFFIX}\nobjectClass: organizationalUnit\nou: services\n`,
    `dn: ${LDAP_SERVICE_DN}\nobjectClass: organizationalRole\nobjectClass: simpleSecurityObject\ncn: tandem\nuserPassword: ${ssha(LDAP_SERVICE_PASSWORD)}\n`,
    ...people.map(personLdif),
    // groupOfNames needs at least one member; the service account stands in when no person is a technician.
    [`dn: ${LDAP_TECHNICIANS}`, 'objectClass: groupOfNames', 'cn: technicians', ...(technicians.length ? technicians : [`member: ${LDAP_SERVICE_DN}`]), ''].join('\n'),
  ].join('\n');
  writeFileSync(join(dir, 'seed.ldif'), ldif);
  execFileSync('/usr/sbin/slapadd', ['-q', '-f', conf, '-l', join(dir, 'seed.ldif')], { stdio: 'pipe' });

  const url = `ldap://127.0.0.1:${port}`;
  let proc: TrackedProcess | null = null;
  const start = async (): Promise<void> => {
    const listen = options.tls ? `${url}/ ldaps://127.0.0.1:${tlsPort}/` : `${url}/`;
    const p = startProcess('slapd', '/usr/sbin/slapd', ['-d', '0', '-f', conf, '-h', listen]);
    proc = p;
    try {
      await waitFor(`slapd on ${port}`, async () => {
        if (p.child.exitCode !== null) throw new Error(`slapd exited ${p.child.exitCode}: ${p.output()}`);
        const c = new Client({ url, connectTimeout: 1000, timeout: 1000 });
        try {
          await c.bind(LDAP_SERVICE_DN, LDAP_SERVICE_PASSWORD);
          return true;
        } finally {
          await c.unbind().catch(() => undefined);
        }
      }, 15000, 100);
    } catch (err) {
      await p.stop();
      throw new Error(`${String(err)}\n${p.output()}`, { cause: err });
    }
  };
  const stop = async (): Promise<void> => {
    await proc?.stop();
    proc = null;
  };
  await start();
  return {
    port, url, start, stop, dir,
    pid: () => proc?.pid ?? null,
    ldapsUrl: options.tls ? `ldaps://127.0.0.1:${tlsPort}` : null,
    caFile: options.tls ? join(dir, 'ca.pem') : null,
    add: async (person) => {
      const c = new Client({ url, timeout: 5000 });
      try {
        await c.bind(ROOT_DN, ROOT_PW);
        await c.add(`uid=${person.uid},${LDAP_PEOPLE}`, { objectClass: 'inetOrgPerson', uid: person.uid, cn: person.cn, sn: person.cn.split(' ').pop()!, mail: person.mail, userPassword: ssha(person.password) });
      } finally {
        await c.unbind().catch(() => undefined);
      }
    },
    realm: (id = 'corp', name = 'Corp directory', extra = {}) => ({
      id, name, kind: 'ldap',
      ldap: {
        url, bindDn: LDAP_SERVICE_DN, bindPassword: LDAP_SERVICE_PASSWORD, baseDn: LDAP_PEOPLE,
        groups: [{ dn: LDAP_TECHNICIANS, role: 'technician', teams: ['helpdesk'] }], syncIntervalSeconds: 5, timeoutMs: 2000,
        // One entry per page: every sync in the tests goes through the paged results control's cookie.
        pageSize: 1, ...extra,
      },
    }),
    destroy: async () => {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
