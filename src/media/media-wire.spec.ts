import { decodeBatch, encodeBatch, encodeRefresh, encodeWant, parseControl } from './media-wire';

describe('media batches', () => {
  it('round-trips the sender, the seq and every entry byte for byte, the entries as views into the batch', () => {
    const entries = [
      { audienceSeq: 7, bytes: Uint8Array.from({ length: 300 }, (_v, i) => i & 0xff) },
      { audienceSeq: 0, bytes: new Uint8Array(0) },
      { audienceSeq: 0xffffffff, bytes: Buffer.from('x') },
    ];
    const buf = encodeBatch('node-ä1', 42, entries);
    const batch = decodeBatch(buf)!;
    expect(batch.sender).toBe('node-ä1');
    expect(batch.seq).toBe(42);
    expect(batch.entries.map((e) => e.audienceSeq)).toEqual([7, 0, 0xffffffff]);
    batch.entries.forEach((e, i) => {
      expect(Buffer.compare(Buffer.from(e.bytes), Buffer.from(entries[i].bytes))).toBe(0);
      expect(e.bytes.buffer).toBe(buf.buffer);
    });
  });

  it('decodes a batch inside a larger buffer (a view, as Redis may hand it over)', () => {
    const buf = encodeBatch('n', 1, [{ audienceSeq: 3, bytes: Uint8Array.of(1, 2, 3) }]);
    const big = new Uint8Array(buf.length + 20);
    big.set(buf, 10);
    const batch = decodeBatch(big.subarray(10, 10 + buf.length))!;
    expect(batch.entries[0].audienceSeq).toBe(3);
    expect([...batch.entries[0].bytes]).toEqual([1, 2, 3]);
  });

  it('refuses anything that is not exactly a batch, never throwing', () => {
    const good = encodeBatch('n', 1, [{ audienceSeq: 1, bytes: Uint8Array.of(1, 2, 3) }]);
    expect(decodeBatch(new Uint8Array(0))).toBeNull();
    expect(decodeBatch(Buffer.from('not a batch at all'))).toBeNull();
    expect(decodeBatch(good.subarray(0, good.length - 1))).toBeNull();
    expect(decodeBatch(Buffer.concat([good, Buffer.of(0)]))).toBeNull();
    const badVersion = Buffer.from(good);
    badVersion[1] = 9;
    expect(decodeBatch(badVersion)).toBeNull();
    const noSender = Buffer.from(good);
    noSender[2] = 0;
    expect(decodeBatch(noSender)).toBeNull();
    for (let cut = 0; cut < good.length; cut++) expect(() => decodeBatch(good.subarray(0, cut))).not.toThrow();
    expect(() => encodeBatch('', 1, [])).toThrow(RangeError);
  });
});

describe('media control messages', () => {
  it('round-trips want and refresh', () => {
    const want = parseControl(encodeWant('n1', new Map([['s1', { fill: 0.25, hasDropped: true }], ['s2', { fill: 0, hasDropped: false }]])));
    expect(want).toEqual({ t: 'want', node: 'n1', sessions: new Map([['s1', { fill: 0.25, hasDropped: true }], ['s2', { fill: 0, hasDropped: false }]]) });
    expect(parseControl(encodeWant('n1', new Map()))).toEqual({ t: 'want', node: 'n1', sessions: new Map() });
    expect(parseControl(encodeRefresh('n2', 's1', [0, 2]))).toEqual({ t: 'refresh', node: 'n2', sessionId: 's1', monitors: [0, 2] });
    expect(parseControl(encodeRefresh('n2', 's1', null))).toEqual({ t: 'refresh', node: 'n2', sessionId: 's1', monitors: null });
  });

  it('clamps fill into 0-1 and refuses malformed messages', () => {
    expect(parseControl('{"t":"want","node":"n","sessions":{"s":[7,0]}}')).toMatchObject({ sessions: new Map([['s', { fill: 1, hasDropped: false }]]) });
    for (const raw of [
      'not json', 'null', '[]', '{"t":"want"}', '{"t":"want","node":"","sessions":{}}', '{"t":"want","node":"n","sessions":[]}',
      '{"t":"want","node":"n","sessions":{"s":["x",0]}}', '{"t":"refresh","node":"n","sessionId":"s","monitors":[-1]}',
      '{"t":"refresh","node":"n","sessionId":"s","monitors":"all"}', '{"t":"refresh","node":"n","monitors":null}', '{"t":"other","node":"n"}',
    ]) expect(parseControl(raw)).toBeNull();
  });
});
