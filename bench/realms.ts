/**
 * The LDAP realm at 1×, 10× and 100× users (100, 1,000, 10,000 people in a real slapd): how long the full
 * sync takes and what the cache costs in heap, next to a baseline from the same run: one raw paged ldapts
 * search of the same entries (so the ratio is what the mapping and the group reads add). Also the time of
 * one login (search + bind). Prints; never judges.
 *
 *   npm run bench            node build/bench/bench/realms.js [--sizes 100,1000,10000]
 */
import { Client } from 'ldapts';
import { plainToInstance } from 'class-transformer';
import { RealmConfig } from '../src/config/config.schema';
import { LdapRealm } from '../src/auth/realms/ldap-realm';
import { LDAP_PEOPLE, LDAP_SERVICE_DN, LDAP_SERVICE_PASSWORD, startSlapd, type LdapPerson } from '../test/support/slapd';

const arg = process.argv.indexOf('--sizes');
const SIZES = (arg > 0 ? process.argv[arg + 1] : '100,1000,10000').split(',').map(Number);
const RUNS = 3;

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function rawSearchMs(url: string): Promise<number> {
  const t0 = performance.now();
  const c = new Client({ url });
  await c.bind(LDAP_SERVICE_DN, LDAP_SERVICE_PASSWORD);
  await c.search(LDAP_PEOPLE, { scope: 'sub', filter: '(&(objectClass=inetOrgPerson)(uid=*))', attributes: ['uid', 'cn', 'mail'], paged: { pageSize: 500 } });
  await c.unbind();
  return performance.now() - t0;
}

async function main(): Promise<void> {
  console.log(`  ${'users'.padStart(7)} ${'raw search'.padStart(12)} ${'realm sync'.padStart(12)} ${'ratio'.padStart(7)} ${'cache heap'.padStart(12)} ${'per user'.padStart(10)} ${'login'.padStart(10)}`);
  for (const n of SIZES) {
    const people: LdapPerson[] = Array.from({ length: n }, (_, i) => ({ uid: `user${i}`, cn: `User Number ${i}`, mail: `user${i}@corp.test`, password: `pw-${i}`, technician: i % 10 === 0 }));
    const slapd = await startSlapd(people);
    try {
      const realm = new LdapRealm(plainToInstance(RealmConfig, { id: 'corp', name: 'Corp', kind: 'ldap', ldap: { ...(slapd.realm().ldap as object), syncIntervalSeconds: 3600, pageSize: 500 } }, { exposeDefaultValues: true }));
      const raw: number[] = [];
      const sync: number[] = [];
      for (let r = 0; r < RUNS; r++) {
        raw.push(await rawSearchMs(slapd.url));
        const t0 = performance.now();
        await realm.sync();
        sync.push(performance.now() - t0);
      }
      realm.close();
      const settle = async (): Promise<number> => {
        for (let i = 0; i < 4; i++) {
          global.gc?.();
          await new Promise((r) => setImmediate(r));
        }
        return process.memoryUsage().heapUsed;
      };
      const fresh = new LdapRealm(realm.realm);
      const before = await settle();
      await fresh.sync();
      const heap = (await settle()) - before;
      const logins: number[] = [];
      for (let r = 0; r < RUNS; r++) {
        const t0 = performance.now();
        const res = await fresh.login(`user${n - 1}`, `pw-${n - 1}`);
        if (!res.ok) throw new Error(`login failed: ${res.code}`);
        logins.push(performance.now() - t0);
      }
      const rawMs = median(raw);
      const syncMs = median(sync);
      console.log(`  ${String(n).padStart(7)} ${rawMs.toFixed(1).padStart(9)} ms ${syncMs.toFixed(1).padStart(9)} ms ${(syncMs / rawMs).toFixed(2).padStart(6)}× ${heap > 0 ? `${(heap / 1024).toFixed(0).padStart(9)} KiB ${(heap / n).toFixed(0).padStart(7)} B` : `${'(below noise)'.padStart(24)}`} ${median(logins).toFixed(1).padStart(7)} ms${global.gc ? '' : '  (heap without --expose-gc: rough)'}`);
      fresh.close();
    } finally {
      await slapd.destroy();
    }
  }
}

void main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
