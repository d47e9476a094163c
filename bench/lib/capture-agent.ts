/**
 * The agent's capture pipeline alone, for the capture benchmark: the agent's own CaptureLoop over
 * the X11 screen (grab, diff, encode in the native core; woken by the screen and asleep while it is
 * quiet, as in the agent), sending every capture's frames over a
 * WebSocket the way the agent sends them to its node. Its own process, so the benchmark can read
 * its CPU.
 *
 *   node capture-agent.js DISPLAY WS_URL FPS QUALITY
 */
import WebSocket from 'ws';
import { sendCorked } from '../../src/agent/agent-client';
import { CaptureLoop } from '../../src/agent/capture-loop';
import { X11Screen } from '../../src/native/x11';

const [display, url, fps, quality] = process.argv.slice(2);
const x11 = new X11Screen(display);
const ws = new WebSocket(url);
const loop = new CaptureLoop(
  { monitors: () => x11.monitors(), capture: (m, o) => x11.capture(m, o), watch: (cb) => x11.watch(cb), watchesPointer: x11.features().motion, close: () => x11.close() },
  {
    fps: Number(fps), quality: Number(quality), monitor: 0,
    send: (f) => ws.send(f, { binary: true }),
    sendAll: (frames) => sendCorked(ws, frames),
    buffered: () => ws.bufferedAmount, maxBufferedBytes: 4 << 20,
    onPaused: () => undefined, onError: (err) => console.error(err),
  },
);
ws.on('open', () => loop.start('s_bench'));
ws.on('close', () => process.exit(0));
