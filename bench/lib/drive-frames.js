// The load both relay benches put on a session: an agent sends frames of `tiles` incompressible
// 64×64 tiles plus an end-of-frame, at most `window` frames ahead of the slowest viewer, for
// `seconds`; every viewer counts the bytes it got. Shared by bench/relay.js and bench/recording.js.
'use strict';

const { randomBytes } = require('node:crypto');
const { join } = require('node:path');

/**
 * @param {{ agent: import('ws'), views: import('ws')[], sessionId: string }} setup
 * @param {{ tiles: number, tileBytes: number, window: number, seconds: number }} o
 * @param {number} warmupTries how often the warm-up frame is sent before giving up
 * @returns {Promise<{ frames: number, seconds: number, delivered: number, frameBytes: number, lost: number }>}
 */
async function driveFrames({ agent, views, sessionId }, o, warmupTries) {
  const { encodeFrame, Encoding, FrameType } = require(join(__dirname, '..', '..', 'dist', 'media', 'frame-codec'));
  // Incompressible payloads, like JPEG tiles; a few variants reused (the relay never looks inside).
  const payloads = Array.from({ length: 8 }, () => randomBytes(o.tileBytes));
  const frameOf = (seq) => {
    const out = [];
    for (let k = 0; k < o.tiles; k++) {
      const pos = (seq * o.tiles + k) % 400;
      out.push(encodeFrame({ type: FrameType.Tile, encoding: Encoding.Jpeg, monitor: 0, frameSeq: seq, timestamp: Date.now(), x: (pos % 20) * 64, y: Math.floor(pos / 20) * 64, width: 64, height: 64, sessionId, payload: payloads[(seq + k) % payloads.length] }));
    }
    out.push(encodeFrame({ type: FrameType.EndOfFrame, encoding: Encoding.None, monitor: 0, frameSeq: seq, timestamp: Date.now(), x: 0, y: 0, width: 1280, height: 800, sessionId, payload: new Uint8Array(0) }));
    return out;
  };
  const frameBytes = frameOf(1).reduce((n, f) => n + f.length, 0);

  // Each viewer counts bytes and the last end-of-frame it saw; the agent waits on the slowest.
  const lastEof = new Array(views.length).fill(0);
  const got = new Array(views.length).fill(0);
  let wake = null;
  views.forEach((ws, i) => ws.on('message', (data, isBinary) => {
    if (!isBinary) return;
    // Warm-up frames (seq 1, possibly sent more than once) are not counted.
    if (data.length >= 12 && data.readUInt32LE(8) < 2) {
      if (data[2] === FrameType.EndOfFrame && lastEof[i] < 1) lastEof[i] = 1;
      if (wake) { const w = wake; wake = null; w(); }
      return;
    }
    got[i] += data.length;
    if (data[2] === FrameType.EndOfFrame) {
      lastEof[i] = data.readUInt32LE(8);
      if (wake) { const w = wake; wake = null; w(); }
    }
  }));
  const slowest = () => { let m = Infinity; for (const s of lastEof) if (s < m) m = s; return m; };
  // Warm-up frame: all viewers are connected and the first-frame refreshes are done. Sent again
  // until every viewer has it: across nodes, frames flow once the agent's node heard the others want them.
  for (let tries = 0; slowest() < 1; tries++) {
    if (tries > warmupTries) throw new Error('the warm-up frame never reached every viewer');
    for (const f of frameOf(1)) agent.send(f, { binary: true });
    await new Promise((r) => { wake = r; setTimeout(r, 100); });
  }
  got.fill(0);

  let seq = 1;
  const start = process.hrtime.bigint();
  const until = start + BigInt(Math.round(o.seconds * 1e9));
  while (process.hrtime.bigint() < until) {
    while (seq - slowest() >= o.window) await new Promise((r) => { wake = r; });
    seq += 1;
    for (const f of frameOf(seq)) agent.send(f, { binary: true });
  }
  const deadline = Date.now() + 30000;
  while (slowest() < seq && Date.now() < deadline) await new Promise((r) => { wake = r; setTimeout(r, 50); });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const frames = seq - 1;
  const delivered = got.reduce((a, b) => a + b, 0);
  return { frames, seconds, delivered, frameBytes, lost: frames * frameBytes * views.length - delivered };
}

module.exports = { driveFrames };
