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

  it('retries the sync with backoff, 1 s doubling up to syncIntervalSeconds', async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const scheduled: Array<{ ms: number; run: () => void }> = [];
    const realSetTimeout = global.setTimeout;
    // The realm's timers are caught; ldapts's own (connect and operation timeouts, timeoutMs = 500) run for real.
    const timer = jest.spyOn(global, 'setTimeout').mockImplementation(((run: () => void, ms: number) => {
      if (ms === 500) return realSetTimeout(run, ms);
      scheduled.push({ ms, run });
      return { unref: () => undefined } as unknown as NodeJS.Timeout;
    }) as unknown as typeof setTimeout);
    const config = plainToInstance(RealmConfig, {
      id: 'corp', name: 'Corp', kind: 'ldap', ldap: { url: `ldap://127.0.0.1:${await deadPort()}`, baseDn: 'dc=corp', timeoutMs: 500, syncIntervalSeconds: 10 },
    }, { exposeDefaultValues: true });
    const realm = new LdapRealm(config);
    try {
      await realm.start();
      for (let i = 0; i < 5; i++) {
        const next = scheduled[scheduled.length - 1]!;
        next.run();
        await new Promise((r) => setImmediate(r));
        await waitUntil(() => scheduled.length === i + 2);
      }
      expect(scheduled.map((s) => s.ms)).toEqual([1000, 2000, 4000, 8000, 10000, 10000]);
      expect(warn.mock.calls.filter(([msg]) => String(msg).includes('directory unavailable'))).toHaveLength(1);
    } finally {
      realm.close();
      timer.mockRestore();
      warn.mockRestore();
    }
  });
});

/** Polls without timers (setTimeout is mocked in the test that uses it). */
async function waitUntil(check: () => boolean): Promise<void> {
  for (let i = 0; i < 10_000 && !check(); i++) await new Promise((r) => setImmediate(r));
  if (!check()) throw new Error('condition not reached');
}
