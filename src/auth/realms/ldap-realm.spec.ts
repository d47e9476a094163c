import { createServer } from 'node:net';
import { Logger } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { RealmConfig } from '../../config/config.schema';
import { LdapRealm } from './ldap-realm';

/** A loopback port nobody listens on. */
async function deadPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

describe('LdapRealm against an unreachable directory', () => {
  it('answers DIRECTORY_UNAVAILABLE, never throws, and warns once per outage, not per attempt', async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const config = plainToInstance(RealmConfig, {
      id: 'corp', name: 'Corp', kind: 'ldap', ldap: { url: `ldap://127.0.0.1:${await deadPort()}`, baseDn: 'dc=corp', timeoutMs: 500, syncIntervalSeconds: 60 },
    }, { exposeDefaultValues: true });
    const realm = new LdapRealm(config);
    try {
      await realm.start();
      expect(realm.isUnavailable).toBe(true);
      for (let i = 0; i < 3; i++) expect(await realm.login('dave', 'pw')).toEqual({ ok: false, code: 'DIRECTORY_UNAVAILABLE' });
      await expect(realm.sync()).rejects.toThrow('realm corp is unavailable');
      expect(warn.mock.calls.filter(([msg]) => String(msg).includes('directory unavailable [realm:corp'))).toHaveLength(1);
      expect(realm.list()).toEqual([]);
      expect(await realm.login('dave', '')).toEqual({ ok: false, code: 'BAD_CREDENTIALS' });
    } finally {
      realm.close();
      warn.mockRestore();
    }
  });
});
