import { createInterface, type Interface } from 'node:readline';
import { requestWhat, type AssistAsk, type CustomerChoice, type CustomerPrompt, type FileAsk, type RequestAsk } from './customer-prompt';
import { formatBytes } from './file-transfers';

type Pending = { resolve: (allow: boolean) => void; question: string };

/**
 * The customer's prompt in a terminal. Questions are answered with y/n; at any time the customer can
 * type `hold`, `observe`, `interact`, `clipboard off`, `clipboard on`, `unblock`, `send PATH` or `close`. Reads lines, so it also works with piped stdin.
 */
export class TerminalPrompt implements CustomerPrompt {
  private readonly rl: Interface;
  private readonly queue: Pending[] = [];
  private listeners: ((c: CustomerChoice) => void)[] = [];

  constructor(input: NodeJS.ReadableStream = process.stdin, private readonly output: NodeJS.WritableStream = process.stdout) {
    this.rl = createInterface({ input, terminal: false });
    this.rl.on('line', (line) => {
      // `send PATH` keeps the path as typed (case and inner spaces); everything else is a word.
      const send = /^\s*send\s+(.+?)\s*$/i.exec(line);
      if (send) return this.listeners.forEach((l) => l({ kind: 'send-file', path: send[1]! }));
      this.onLine(line.trim().toLowerCase());
    });
  }

  askAssist(ask: AssistAsk): Promise<boolean> {
    if (ask.withdrawn?.aborted) return Promise.resolve(false);
    const teams = ask.technician.teams?.length ? ` (${ask.technician.teams.join(', ')})` : '';
    const what = ask.action === 'control' ? 'take control of your screen' : 'view your screen';
    return this.ask(`${ask.technician.name}${teams} asks to ${what}. The session starts on hold. Allow? [y/n]`, ask.withdrawn);
  }

  askRequest(ask: RequestAsk): Promise<boolean> {
    if (ask.withdrawn?.aborted) return Promise.resolve(false);
    const how = ask.kind === 'input-block' ? ' (press Esc three times or type "unblock" to take them back)' : '';
    return this.ask(`${ask.from.name} asks to ${requestWhat(ask)}${how}. Allow? [y/n]`, ask.withdrawn);
  }

  askFile(ask: FileAsk): Promise<boolean> {
    if (ask.withdrawn?.aborted) return Promise.resolve(false);
    return this.ask(`${ask.from.name} wants to send you ${JSON.stringify(ask.name)} (${formatBytes(ask.size)}); it will be saved in your Downloads folder. Accept? [y/n]`, ask.withdrawn);
  }

  notice(text: string): void {
    this.output.write(`tandem: ${text}\n`);
  }

  onChoice(listener: (choice: CustomerChoice) => void): void {
    this.listeners.push(listener);
  }

  close(): void {
    this.rl.close();
    for (const p of this.queue.splice(0)) p.resolve(false);
  }

  /** A question answered elsewhere or over goes away (shown or queued); if it was on screen, the next one is asked. */
  private withdraw(pending: Pending): void {
    const i = this.queue.indexOf(pending);
    if (i < 0) return;
    this.queue.splice(i, 1);
    pending.resolve(false);
    if (i === 0 && this.queue[0]) this.output.write(`tandem: ${this.queue[0].question}\n`);
  }

  private ask(question: string, withdrawn?: AbortSignal): Promise<boolean> {
    return new Promise((resolve) => {
      const pending: Pending = { resolve, question };
      this.queue.push(pending);
      withdrawn?.addEventListener('abort', () => this.withdraw(pending), { once: true });
      if (this.queue.length === 1) this.output.write(`tandem: ${question}\n`);
    });
  }

  private onLine(line: string): void {
    if (line === 'hold' || line === 'observe' || line === 'interact') {
      this.listeners.forEach((l) => l({ kind: 'mode', mode: line }));
      return;
    }
    if (line === 'clipboard off' || line === 'clipboard on') {
      this.listeners.forEach((l) => l({ kind: 'clipboard', enabled: line.endsWith('on') }));
      return;
    }
    if (line === 'unblock') {
      this.listeners.forEach((l) => l({ kind: 'unblock' }));
      return;
    }
    if (line === 'close' || line === 'end') {
      this.listeners.forEach((l) => l({ kind: 'close' }));
      return;
    }
    const head = this.queue[0];
    if (!head) return;
    if (line === 'y' || line === 'yes' || line === 'n' || line === 'no') {
      this.queue.shift();
      head.resolve(line.startsWith('y'));
      if (this.queue[0]) this.output.write(`tandem: ${this.queue[0].question}\n`);
    } else {
      this.output.write('tandem: please answer y or n\n');
    }
  }
}
