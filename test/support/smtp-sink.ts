import { readFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { freePort } from './free-port';

export interface ReceivedMail {
  from: string;
  to: string[];
  raw: string;
  /** The message came over TLS (STARTTLS, or TLS from the start with `secure`). */
  secure: boolean;
  /** The SMTP AUTH user the client signed in as, if it did. */
  user: string | null;
}

export interface SmtpSinkOptions {
  /** TLS from the first byte (implicit TLS, port 465 style) instead of STARTTLS; needs `tls`. */
  secure?: boolean;
  /** Require SMTP AUTH (PLAIN or LOGIN) with this user and password; other credentials are refused (535). */
  auth?: { user: string; pass: string };
}

export interface SmtpSink {
  readonly port: number;
  readonly mails: ReceivedMail[];
  /**
   * As a server that crashes: destroys every connection it holds now (a mail on its way is lost with its
   * connection) and answers each new one with 421 for `refuseMs`; returns how many connections it cut.
   */
  cut(refuseMs?: number): number;
  /**
   * Arms a `cut(refuseMs)` for the moment the `nth` mail (counted from the start) is read to its end but not
   * yet acknowledged: that mail is cut off mid-DATA, never acknowledged and not kept. Resolves with how many
   * connections were cut.
   */
  cutAtMail(nth: number, refuseMs?: number): Promise<number>;
  stop(): Promise<void>;
}

/**
 * A real SMTP server (smtp-server) on a free loopback port that keeps every message it accepts;
 * `tls`: it offers STARTTLS with this certificate (otherwise it offers no TLS at all), or speaks TLS from
 * the first byte with `options.secure`; `options.auth`: it takes mail only after AUTH with these credentials.
 */
export async function startSmtpSink(port?: number, tls?: { cert: string; key: string }, options: SmtpSinkOptions = {}): Promise<SmtpSink> {
  const mails: ReceivedMail[] = [];
  const auth = options.auth;
  /** The raw sockets it holds (under TLS too): what a crash cuts. */
  const sockets = new Set<Socket>();
  let refusingUntil = 0;
  let armed: { nth: number; refuseMs: number; cut: (count: number) => void } | null = null;
  const cut = (refuseMs = 0): number => {
    refusingUntil = Date.now() + refuseMs;
    const count = sockets.size;
    for (const socket of sockets) socket.destroy();
    sockets.clear();
    return count;
  };
  const server = new SMTPServer({
    secure: options.secure === true,
    authOptional: !auth,
    ...(auth ? { authMethods: ['PLAIN', 'LOGIN'] } : {}),
    ...(tls ? {} : { disabledCommands: ['STARTTLS'] }),
    ...(tls ? { cert: readFileSync(tls.cert), key: readFileSync(tls.key) } : {}),
    onAuth(a, _session, callback) {
      if (auth && a.username === auth.user && a.password === auth.pass) return callback(null, { user: a.username });
      return callback(new Error('Invalid username or password'));
    },
    logger: false,
    onConnect(_session, callback) {
      if (Date.now() < refusingUntil) return callback(Object.assign(new Error('Service not available, try again later'), { responseCode: 421 }));
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        if (armed && mails.length + 1 === armed.nth) {
          const { refuseMs, cut: done } = armed;
          armed = null;
          return done(cut(refuseMs));
        }
        mails.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks).toString('utf8'),
          secure: session.secure,
          user: typeof session.user === 'string' ? session.user : null,
        });
        callback();
      });
    },
  });
  const chosen = port ?? (await freePort());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(chosen, '127.0.0.1', () => resolve());
  });
  server.server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  let stopping: Promise<void> | undefined;
  return {
    port: chosen,
    mails,
    cut,
    cutAtMail: (nth, refuseMs = 0) => new Promise<number>((resolve) => { armed = { nth, refuseMs, cut: resolve }; }),
    stop: () => (stopping ??= new Promise<void>((resolve) => server.close(() => resolve()))),
  };
}
