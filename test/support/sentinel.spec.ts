import { RedisStore } from '../../src/cluster/redis/redis-store';
import { streamKeys } from '../../src/cluster/redis/keys';
import { isAlive } from './processes';
import { askRedis, startSentinelGroup, type SentinelGroup } from './sentinel';
import { waitFor } from './wait';

describe('RedisStore behind Sentinel', () => {
  let group: SentinelGroup | undefined;
  let store: RedisStore | undefined;
  afterAll(async () => {
    await store?.close();
    await group?.stop();
  }, 20000);

  it('keeps replicated events through a failover, follows the new primary, and leaves no process behind', async () => {
    group = await startSentinelGroup();
    const pids = group.pids();
    expect(pids).toHaveLength(5);
    expect(pids.every(isAlive)).toBe(true);

    store = new RedisStore({ sentinels: group.sentinels, masterName: group.masterName, waitReplicas: 1, waitTimeoutMs: 300, connectionName: 'sentinel-spec' });
    const stream = 'session:failover';
    const heard: string[] = [];
    await store.bus.subscribe(stream, (m) => heard.push(m));
    const lease = (await store.leases.acquire(stream, 'node-a', 30_000))!;
    expect(lease).not.toBeNull();
    expect(await store.journal.append(stream, 0, [{ n: 1 }, { n: 2 }], { key: stream, epoch: lease.epoch })).toEqual({ ok: true, version: 2 });
    expect(await store.journal.append(stream, 2, [{ n: 3 }], { key: stream, epoch: lease.epoch })).toEqual({ ok: true, version: 3 });
    // WAIT 1 returned before the append did, so the replica already holds all three events.
    expect(await askRedis(group.replica.port, 'LLEN', streamKeys(stream).journal)).toBe(3);

    const killedAt = Date.now();
    await group.killPrimary();
    await waitFor('the sentinels to promote the replica', async () => (await group!.masterPort()) === group!.replica.port, 30000, 100);
    const promotedMs = Date.now() - killedAt;
    await waitFor('the store to reach the new primary', () => store!.ping().then(() => true), 15000, 100);
    const reconnectedMs = Date.now() - killedAt;
    process.stdout.write(`sentinel failover: replica promoted after ${promotedMs} ms, store usable after ${reconnectedMs} ms\n`);

    expect((await store.journal.read(stream, 0)).map((e) => e.event)).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
    // The lease was replicated with its expiry: the same holder gets the same epoch back.
    const again = (await store.leases.acquire(stream, 'node-a', 30_000))!;
    expect(again.epoch).toBe(lease.epoch);
    // No replica is left to acknowledge, so WAIT times out; the append still succeeds (logged).
    expect(await store.journal.append(stream, 3, [{ n: 4 }], { key: stream, epoch: again.epoch })).toEqual({ ok: true, version: 4 });
    expect(await askRedis(group.replica.port, 'LLEN', streamKeys(stream).journal)).toBe(4);
    // The subscription made before the failover was renewed on the new primary.
    await waitFor('the bus to work on the new primary', async () => {
      await store!.bus.publish(stream, 'after-failover');
      return heard.includes('after-failover');
    }, 10000, 100);

    await store.close();
    await group.stop();
    await waitFor('every group process to exit', () => pids.every((p) => !isAlive(p)), 10000);
  }, 60000);
});
