import { existsSync, readFileSync } from 'node:fs';
import { Client } from 'ldapts';
import { isAlive } from './processes';
import { LDAP_PEOPLE, LDAP_SERVICE_DN, LDAP_SERVICE_PASSWORD, startSlapd } from './slapd';
import { waitFor } from './wait';

describe('test harness: slapd', () => {
  it('serves the seeded people over ldap and ldaps, restarts with its data, and leaves nothing behind', async () => {
    const slapd = await startSlapd([{ uid: 'zoe', cn: 'Zoe Z', mail: 'zoe@corp.test', password: 'zoe-pw' }], { tls: true });
    const first = slapd.pid()!;
    try {
      const search = async (): Promise<string[]> => {
        const c = new Client({ url: slapd.url, timeout: 2000 });
        try {
          await c.bind(LDAP_SERVICE_DN, LDAP_SERVICE_PASSWORD);
          return (await c.search(LDAP_PEOPLE, { filter: '(uid=*)', attributes: ['uid'] })).searchEntries.map((e) => String(e.uid));
        } finally {
          await c.unbind().catch(() => undefined);
        }
      };
      expect(await search()).toEqual(['zoe']);
      const user = new Client({ url: slapd.url, timeout: 2000 });
      await expect(user.bind(`uid=zoe,${LDAP_PEOPLE}`, 'wrong')).rejects.toThrow();
      await user.bind(`uid=zoe,${LDAP_PEOPLE}`, 'zoe-pw');
      await user.unbind();
      const tls = new Client({ url: slapd.ldapsUrl!, timeout: 2000, tlsOptions: { ca: readFileSync(slapd.caFile!) } });
      await tls.bind(`uid=zoe,${LDAP_PEOPLE}`, 'zoe-pw');
      await tls.unbind();
      await slapd.stop();
      expect(isAlive(first)).toBe(false);
      await slapd.start();
      expect(await search()).toEqual(['zoe']);
    } finally {
      const second = slapd.pid();
      await slapd.destroy();
      await waitFor('slapd to exit', () => second === null || !isAlive(second), 10000);
      expect(existsSync(slapd.dir)).toBe(false);
    }
  }, 30_000);
});
