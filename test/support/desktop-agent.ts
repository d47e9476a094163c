import { PassThrough } from 'node:stream';
import { readAgentState, writeAgentState } from '../../src/agent/agent-config';
import { AgentClient, type AgentClientOptions } from '../../src/agent/agent-client';
import { enroll } from '../../src/agent/enroll';
import type { InputInjector, ScreenSource } from '../../src/agent/screen-source';
import { TerminalPrompt } from '../../src/agent/terminal-prompt';
import type { TestNode } from './node';
import type { WsTestClient } from './ws-client';
import { waitFor } from './wait';

/** The real desktop agent, in this process, with its real terminal prompt fed through a pipe. */
export interface DesktopAgent {
  readonly agentId: string;
  readonly client: AgentClient;
  /** Everything the prompt said to the customer so far. */
  said(): string;
  /** Types lines at the prompt, as the customer would. */
  type(...lines: string[]): void;
  /** Waits until the prompt asked the customer something matching `pattern`. */
  waitForQuestion(pattern: RegExp | string, timeoutMs?: number): Promise<void>;
  stop(): void;
}

/**
 * Enrolls a desktop with the test secret and starts the real AgentClient against `t` (screen and
 * injector as given: usually the real X11Screen, sometimes wrapped to count calls).
 */
export async function startDesktopAgent(
  t: TestNode,
  hostname: string,
  parts: { screen?: ScreenSource; injector?: InputInjector } & Partial<Pick<AgentClientOptions, 'overlay' | 'clipboard' | 'rtc' | 'fps' | 'quality' | 'log' | 'inputBlock' | 'downloadsDir' | 'supportButton' | 'onSupportStarted' | 'onSupportRefused'>>
    & { configFile?: string },
): Promise<DesktopAgent> {
  // With a config file the agent keeps its state there, as the CLI does (a restart reads it back).
  const saved = parts.configFile ? readAgentState(parts.configFile) : null;
  const { agentId, token } = saved ?? await enroll(t.url, hostname, { secret: 'test-enroll-secret' });
  const state = saved ?? { server: t.url, agentId, token, pin: String(100000 + Math.floor(Math.random() * 899999)) };
  if (parts.configFile && !saved) writeAgentState(parts.configFile, state);
  const stdin = new PassThrough();
  const stdout = new PassThrough();
  let said = '';
  stdout.on('data', (c: Buffer) => { said += c.toString(); });
  const prompt = new TerminalPrompt(stdin, stdout);
  const client = new AgentClient({
    state, saveState: parts.configFile ? (s) => writeAgentState(parts.configFile!, s) : undefined,
    supportButton: parts.supportButton, onSupportStarted: parts.onSupportStarted, onSupportRefused: parts.onSupportRefused,
    prompt, fps: parts.fps ?? 20, quality: parts.quality ?? 80, lockCommand: [], log: parts.log ?? (() => undefined),
    screen: parts.screen, injector: parts.injector, overlay: parts.overlay, clipboard: parts.clipboard, rtc: parts.rtc, inputBlock: parts.inputBlock, downloadsDir: parts.downloadsDir,
    hello: { hostname, osUser: 'carol', os: 'Linux', version: 'test', capabilities: parts.screen ? ['screen', 'input'] : [] },
  });
  client.start();
  return {
    agentId,
    client,
    said: () => said,
    type: (...lines) => { for (const l of lines) stdin.write(`${l}\n`); },
    waitForQuestion: async (pattern, timeoutMs = 10000) => {
      await waitFor(`the prompt to ask ${String(pattern)}`, () => (typeof pattern === 'string' ? said.includes(pattern) : pattern.test(said)), timeoutMs)
        .catch((e: Error) => { throw new Error(`${e.message}; the prompt said: ${said}`); });
    },
    stop: () => {
      client.stop();
      prompt.close();
    },
  };
}

/** Waits for the desktop to be online, asks to assist it as `technician`, and the customer types y: the session's id. */
export async function assistAccepted(technician: WsTestClient, desk: DesktopAgent): Promise<string> {
  await waitFor('the agent online', async () => (await technician.ask('online.list', {})).agents.some((a: { agentId: string }) => a.agentId === desk.agentId));
  const { sessionId } = await technician.ask('assist.request', { agentId: desk.agentId });
  await desk.waitForQuestion('asks to view your screen');
  desk.type('y');
  await technician.next('session.event', (e) => e.sessionId === sessionId && e.type === 'AssistAccepted');
  return sessionId;
}
