import { RemoteInterest } from './remote-interest';

const ok = { fill: 0, hasDropped: false };
const want = (...ids: string[]) => new Map(ids.map((id) => [id, ok]));

describe('RemoteInterest', () => {
  it('keeps what each node wants, each message replacing the last, and reports the sessions a node newly wants', () => {
    const r = new RemoteInterest(3000);
    expect(r.update('b', want('s1', 's2'), 0)).toEqual(['s1', 's2']);
    expect(r.update('c', want('s1'), 0)).toEqual(['s1']);
    expect(r.nodesOf('s1', 10).sort()).toEqual(['b', 'c']);
    expect(r.nodesOf('s2', 10)).toEqual(['b']);
    // A heartbeat with the same set: nothing new. Dropping s2, adding s3: only s3 is new.
    expect(r.update('b', want('s1', 's2'), 1000)).toEqual([]);
    expect(r.update('b', want('s1', 's3'), 1100)).toEqual(['s3']);
    expect(r.nodesOf('s2', 1200)).toEqual([]);
    expect(r.sessions(1200).sort()).toEqual(['s1', 's3']);
    // An empty set: the node wants nothing at once.
    expect(r.update('c', new Map(), 1300)).toEqual([]);
    expect(r.nodesOf('s1', 1300)).toEqual(['b']);
  });

  it('expires a node not heard from within the ttl; when it comes back its sessions are new again', () => {
    const r = new RemoteInterest(3000);
    r.update('b', want('s1'), 0);
    expect(r.nodesOf('s1', 2999)).toEqual(['b']);
    expect(r.nodesOf('s1', 3000)).toEqual([]);
    expect(r.sessions(3000)).toEqual([]);
    expect(r.update('b', want('s1'), 3500)).toEqual(['s1']);
    r.sweep(7000);
    expect(r.nodesOf('s1', 3600)).toEqual([]);
  });

  it('reports each live node\'s health of a session', () => {
    const r = new RemoteInterest(3000);
    r.update('b', new Map([['s1', { fill: 0.6, hasDropped: false }]]), 0);
    r.update('c', new Map([['s1', { fill: 0, hasDropped: true }]]), 0);
    r.update('d', new Map([['s1', { fill: 0.9, hasDropped: true }]]), -5000);
    expect(r.healthOf('s1', 100)).toEqual([{ node: 'b', health: { fill: 0.6, hasDropped: false } }, { node: 'c', health: { fill: 0, hasDropped: true } }]);
    expect(r.healthOf('s9', 100)).toEqual([]);
  });
});
