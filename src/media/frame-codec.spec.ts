import fc from 'fast-check';
import { decodeFrame, encodeFrame, Encoding, FrameType, type MediaFrame } from './frame-codec';

const frameArb = fc.record({
  type: fc.constantFrom(FrameType.Tile, FrameType.Cursor, FrameType.EndOfFrame, FrameType.ScreenInfo, FrameType.RefreshRequest),
  encoding: fc.constantFrom(Encoding.None, Encoding.Jpeg, Encoding.Lossless, Encoding.RawBgra),
  monitor: fc.integer({ min: 0, max: 8 }),
  frameSeq: fc.integer({ min: 0, max: 0xffffffff }),
  timestamp: fc.double({ min: 0, max: 4e12, noNaN: true }),
  x: fc.integer({ min: 0, max: 8000 }),
  y: fc.integer({ min: 0, max: 8000 }),
  width: fc.integer({ min: 1, max: 4000 }),
  height: fc.integer({ min: 1, max: 4000 }),
  sessionId: fc.stringMatching(/^[A-Za-z0-9_-]{1,40}$/),
  payload: fc.uint8Array({ minLength: 1, maxLength: 300 }),
}) as fc.Arbitrary<MediaFrame>;

describe('media frame codec v1', () => {
  it('round-trips every valid frame', () => {
    fc.assert(fc.property(frameArb, (f) => {
      const parsed = decodeFrame(encodeFrame(f));
      expect(parsed.ok).toBe(true);
      if (parsed.ok) expect({ ...parsed.frame, payload: [...parsed.frame.payload] }).toEqual({ ...f, payload: [...f.payload] });
    }));
  });

  it('never throws on random bytes, and rejects them with BAD_FRAME', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
      const r = decodeFrame(bytes);
      if (!r.ok) expect(r.code).toBe('BAD_FRAME');
    }), { numRuns: 2000 });
  });

  it('never throws on mutated valid frames (bit flips, truncation, extension)', () => {
    fc.assert(fc.property(frameArb, fc.nat(), fc.integer({ min: 0, max: 255 }), fc.integer({ min: -20, max: 20 }), (f, at, value, resize) => {
      const bytes = encodeFrame(f);
      const mutated = new Uint8Array(Math.max(0, bytes.length + resize));
      mutated.set(bytes.subarray(0, mutated.length));
      if (mutated.length > 0) mutated[at % mutated.length] = value;
      const r = decodeFrame(mutated);
      if (r.ok) expect(r.frame.payload.length).toBe(mutated.length - (33 + r.frame.sessionId.length));
    }), { numRuns: 3000 });
  });

  it.each([
    ['a short buffer', new Uint8Array(10), /shorter/],
    ['a bad magic', (() => { const b = encodeFrame(sample()); b[0] = 0; return b; })(), /magic/],
    ['a future version', (() => { const b = encodeFrame(sample()); b[1] = 9; return b; })(), /version 9/],
    ['a truncated payload', encodeFrame(sample()).subarray(0, 40), /payload length/],
  ])('explains %s', (_what, bytes, message) => {
    const r = decodeFrame(bytes);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.message).toMatch(message);
  });
});

function sample(): MediaFrame {
  return { type: 1, encoding: 1, monitor: 0, frameSeq: 1, timestamp: 1, x: 0, y: 0, width: 64, height: 64, sessionId: 's1', payload: new Uint8Array(10) };
}
