import { readFileSync } from 'node:fs';
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
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
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
  let stopping: Promise<void> | undefined;
  return {
    port: chosen,
    mails,
    stop: () => (stopping ??= new Promise<void>((resolve) => server.close(() => resolve()))),
  };
}
