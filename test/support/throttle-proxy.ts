import * as net from 'node:net';

export interface ThrottleProxy {
  readonly port: number;
  /** Bytes per second towards the client; `Infinity` lifts the limit. */
  rate: number;
  /** Bytes forwarded towards the clients so far. */
  readonly bytesDown: number;
  close(): Promise<void>;
}

/** Bytes the pacer lets out at once (one tick's worth is added on top of this, never more). */
const BURST = 2048;
const TICK_MS = 10;
/** Above this many bytes waiting in the pacer, the server side is paused (TCP backpressure towards the node). */
const HIGH_WATER = 32 * 1024;

/**
 * A TCP proxy in front of a node that paces what the node sends to the client at `rate` bytes a
 * second (a token bucket with a small burst), the way a slow link would: the server's socket and the
 * kernel buffers in between fill up behind it. The client → server direction is not limited. Used
 * for the throttled viewer of test/e2e/media-quality.e2e-spec.ts.
 */
export async function startThrottleProxy(targetPort: number, bytesPerSecond: number): Promise<ThrottleProxy> {
  const sockets = new Set<net.Socket>();
  let bytesDown = 0;
  const state = { rate: bytesPerSecond };
  const server = net.createServer((client) => {
    const upstream = net.connect(targetPort, '127.0.0.1');
    sockets.add(client);
    sockets.add(upstream);
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    const waiting: Buffer[] = [];
    let waitingBytes = 0;
    let tokens = BURST;
    let last = performance.now();
    const timer = setInterval(() => {
      const now = performance.now();
      tokens = Math.min(BURST + (state.rate * TICK_MS) / 1000, tokens + ((now - last) / 1000) * state.rate);
      last = now;
      while (waiting.length > 0 && tokens >= 1) {
        const head = waiting[0]!;
        const n = Math.min(head.length, Math.floor(tokens));
        client.write(head.subarray(0, n));
        bytesDown += n;
        tokens -= n;
        waitingBytes -= n;
        if (n === head.length) waiting.shift();
        else waiting[0] = head.subarray(n);
      }
      if (waitingBytes < HIGH_WATER / 2 && upstream.isPaused()) upstream.resume();
    }, TICK_MS);
    upstream.on('data', (chunk: Buffer) => {
      if (!Number.isFinite(state.rate) && waiting.length === 0) {
        client.write(chunk);
        bytesDown += chunk.length;
        return;
      }
      waiting.push(chunk);
      waitingBytes += chunk.length;
      if (waitingBytes > HIGH_WATER) upstream.pause();
    });
    client.on('data', (chunk: Buffer) => upstream.write(chunk));
    const end = (): void => {
      clearInterval(timer);
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('close', end);
    upstream.on('close', end);
    client.on('error', end);
    upstream.on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    get rate() { return state.rate; },
    set rate(v: number) { state.rate = v; },
    get bytesDown() { return bytesDown; },
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
