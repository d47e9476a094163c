import { readFileSync } from 'node:fs';
import { SMTPServer } from 'smtp-server';
import { freePort } from './free-port';

export interface ReceivedMail {
  from: string;
  to: string[];
  raw: string;
  /** The message came over TLS (STARTTLS). */
  secure: boolean;
}

export interface SmtpSink {
  readonly port: number;
  readonly mails: ReceivedMail[];
  stop(): Promise<void>;
}

/**
 * A real SMTP server (smtp-server) on a free loopback port that keeps every message it accepts;
 * `tls`: it offers STARTTLS with this certificate (otherwise it offers no TLS at all).
 */
export async function startSmtpSink(port?: number, tls?: { cert: string; key: string }): Promise<SmtpSink> {
  const mails: ReceivedMail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    ...(tls ? { cert: readFileSync(tls.cert), key: readFileSync(tls.key) } : { disabledCommands: ['STARTTLS'] }),
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
