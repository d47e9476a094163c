import * as net from 'node:net';

export interface TcpProxy {
  readonly port: number;
  /** Connections accepted so far (refused ones included). */
  readonly accepted: number;
  /** Milliseconds every chunk towards the target waits before it is sent (order kept); 0 by default. */
  upstreamDelayMs: number;
  /** Drops every connection through the proxy at once and refuses new ones until `restore`. */
  cut(): Promise<void>;
  /** Lets new connections through again. */
  restore(): void;
  close(): Promise<void>;
}

/**
 * A TCP proxy on a loopback port in front of `targetPort` that a test controls: it can cut every
 * connection and refuse new ones (a network blip, as a client sees it: its socket closes, reconnects
 * fail until `restore`), and delay what clients send (a slow link towards the server).
 */
export async function startTcpProxy(targetPort: number): Promise<TcpProxy> {
  const pairs = new Set<{ client: net.Socket; upstream: net.Socket }>();
  const state = { refusing: false, delay: 0, accepted: 0 };
  const server = net.createServer((client) => {
    state.accepted++;
    if (state.refusing) {
      client.destroy();
      return;
    }
    const upstream = net.connect(targetPort, '127.0.0.1');
    const pair = { client, upstream };
    pairs.add(pair);
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    client.on('data', (chunk: Buffer) => {
      if (state.delay <= 0) upstream.write(chunk);
      else setTimeout(() => upstream.destroyed || upstream.write(chunk), state.delay);
    });
    upstream.on('data', (chunk: Buffer) => client.write(chunk));
    const end = (): void => {
      client.destroy();
      upstream.destroy();
      pairs.delete(pair);
    };
    for (const s of [client, upstream]) {
      s.on('close', end);
      s.on('error', end);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  const dropAll = async (): Promise<void> => {
    const closing = [...pairs].flatMap(({ client, upstream }) => [client, upstream]).map((s) => new Promise<void>((resolve) => {
      if (s.destroyed) resolve();
      else s.once('close', () => resolve());
      s.destroy();
    }));
    await Promise.all(closing);
  };
  return {
    port,
    get accepted() { return state.accepted; },
    get upstreamDelayMs() { return state.delay; },
    set upstreamDelayMs(ms: number) { state.delay = ms; },
    cut: async () => {
      state.refusing = true;
      await dropAll();
    },
    restore: () => { state.refusing = false; },
    close: async () => {
      state.refusing = true;
      await dropAll();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
