import { createServer } from 'node:http';
import { WebSocketServer } from 'ws';
import { CommandError, WsTestClient } from './ws-client';

/** A tiny server speaking the envelope: `echo` is acked with its data, anything else is refused. */
async function envelopeServer(): Promise<{ url: string; close: () => Promise<void> }> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((r) => wss.once('listening', () => r()));
  wss.on('connection', (ws) => {
    ws.send(JSON.stringify({ event: 'hello', data: { n: 1 } }));
    ws.on('message', (raw) => {
      const msg = JSON.parse(raw.toString());
      if (msg.event === 'echo') ws.send(JSON.stringify({ event: 'ack', id: msg.id, data: msg.data }));
      else ws.send(JSON.stringify({ event: 'error', id: msg.id, data: { code: 'UNKNOWN_EVENT', message: `no ${msg.event}` } }));
    });
  });
  const port = (wss.address() as { port: number }).port;
  return { url: `ws://127.0.0.1:${port}`, close: () => new Promise((r) => wss.close(() => r())) };
}

describe('test harness: WsTestClient', () => {
  it('sends {event,data,id} and resolves the matching ack, rejects with the error code', async () => {
    const srv = await envelopeServer();
    const client = await WsTestClient.connect(srv.url, 'token');
    try {
      expect(await client.next('hello')).toEqual({ n: 1 });
      expect(await client.ask('echo', { x: 1 })).toEqual({ x: 1 });
      const err = await client.ask('nope', {}).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(CommandError);
      expect((err as CommandError).code).toBe('UNKNOWN_EVENT');
    } finally {
      await client.close();
      await srv.close();
    }
  });

  it('reports a refused upgrade with its HTTP status', async () => {
    const http = createServer((_req, res) => { res.statusCode = 401; res.end(); });
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', () => r()));
    const port = (http.address() as { port: number }).port;
    await expect(WsTestClient.connect(`ws://127.0.0.1:${port}`)).rejects.toMatchObject({ status: 401 });
    await new Promise((r) => http.close(r));
  });
});
