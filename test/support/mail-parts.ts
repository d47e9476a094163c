import type { SmtpSink } from './smtp-sink';

/** The Subject header, unfolded (long headers continue on lines starting with white space). */
export const subjectOf = (raw: string): string => headerOf(raw, 'Subject');

/** A header of a raw message, unfolded. */
export function headerOf(raw: string, name: string): string {
  const head = raw.split(/\r?\n\r?\n/)[0] ?? '';
  return (new RegExp(`^${name}: (.*(?:\\r?\\n[ \\t].*)*)`, 'mi').exec(head)?.[1] ?? '').replace(/\r?\n[ \t]/g, ' ').trim();
}

/** The text/plain part of a raw message, quoted-printable decoded when it was sent so. */
export function textOf(raw: string): string {
  const m = /Content-Type: text\/plain[^\n]*\r?\nContent-Transfer-Encoding: ([\w-]+)\r?\n\r?\n([\s\S]*?)\r?\n----/.exec(raw);
  if (!m) return '';
  const body = m[1] === 'quoted-printable' ? Buffer.from(m[2]!.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_x, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1').toString('utf8') : m[2]!;
  return body.replace(/\r\n/g, '\n');
}

/** The subjects of the mails one address received, in the order they arrived. */
export const mailsTo = (sink: SmtpSink, address: string): string[] => sink.mails.filter((m) => m.to.includes(address)).map((m) => subjectOf(m.raw));

/** A counter or gauge of a node's /metrics. */
export const metric = async (t: { url: string }, name: string): Promise<number> =>
  Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\d+)`, 'm').exec(await (await fetch(`${t.url}/metrics`)).text())?.[1] ?? NaN);
