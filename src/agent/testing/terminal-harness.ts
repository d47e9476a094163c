import { PassThrough } from 'node:stream';
import { TerminalPrompt } from '../terminal-prompt';

/** One answer a question module sent to the connection (only answers that carry a payload). */
export interface SentAnswer { event: string; data: unknown }

/**
 * The real terminal prompt on in-memory streams, for the specs of the modules that put questions to the
 * customer: `type` a line as the customer, `out` what the terminal printed so far, `sent` what the module
 * answered (its `answer` callback records the payloads that resolve to something).
 */
export function terminalHarness() {
  const input = new PassThrough();
  const output = new PassThrough();
  let text = '';
  output.on('data', (c: Buffer) => { text += c.toString(); });
  const prompt = new TerminalPrompt(input, output);
  const sent: SentAnswer[] = [];
  const answer = (event: string, data: Promise<unknown>): void => void data.then((payload) => payload !== undefined && sent.push({ event, data: payload }));
  return { prompt, answer, type: (line: string) => input.write(`${line}\n`), out: () => text, sent };
}

/** Lets pending promise callbacks and stream events run. */
export const tick = (): Promise<unknown> => new Promise((r) => setImmediate(r));
