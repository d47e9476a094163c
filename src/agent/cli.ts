#!/usr/bin/env node
/**
 * tandem-agent — the desktop agent a customer runs.
 *
 *   tandem-agent enroll --server URL (--secret S | --code C) [--config FILE]
 *   tandem-agent run [--config FILE] [--display :0] [--fps 15] [--quality 70] [--view-only] [--no-screen] [--no-webrtc]
 *                    [--server URL --secret S]   (enrolls first when there is no config yet)
 *   tandem-agent join --server URL --code CODE [--config FILE] [--display :0] …
 *                    (a click-to-chat customer shares their screen with the session they chat in)
 *   tandem-agent support [--button NAME|ID] [--config FILE] [--display :0] …
 *   tandem-agent support --list [--config FILE]
 *                    (the customer asks for help through a Support Button a technician installed)
 *   tandem-agent monitors [--display :0]
 *
 * The customer answers in the terminal: y/n to a request, and at any time `hold`, `observe`,
 * `interact` or `close`. Nothing is captured until they allow a session and choose a mode other
 * than hold; nothing is injected unless the mode is interact (the server checks too).
 */
import { randomInt } from 'node:crypto';
import { hostname as osHostname, userInfo } from 'node:os';
import { parseArgs } from 'node:util';
import { X11InputBlock } from '../native/input-block';
import { X11Clipboard, X11Screen } from '../native/x11';
import { AgentClient } from './agent-client';
import { loadWrtc, RtcPublisher } from './rtc-publisher';
import { defaultConfigPath, readAgentState, writeAgentState, type AgentState } from './agent-config';
import { enroll } from './enroll';
import { ButtonError } from './entry-points';
import type { OverlaySurface } from './overlay';
import type { InputInjector, ScreenSource } from './screen-source';
import { TerminalPrompt } from './terminal-prompt';
import { listSupportButtons, pickSupportButton } from './support-start';
import { titleOf } from './entry-points';

const VERSION = '0.1.0';

const USAGE = `usage:
  tandem-agent enroll --server URL (--secret SECRET | --code CODE) [--config FILE] [--name HOST]
  tandem-agent run [--config FILE] [--display :N] [--fps N] [--quality N] [--view-only] [--no-screen]
                   [--no-webrtc] [--name HOST] [--downloads DIR] [--server URL (--secret SECRET | --code CODE)]
  tandem-agent join --server URL --code CODE [--config FILE] [--display :N] [--fps N] [--quality N]
                   [--view-only] [--no-webrtc] [--name HOST]
      joins the chat session whose page showed CODE (one-time, short-lived) and shares this screen
      in the mode chosen there; enrolls with the code when this desktop is not enrolled yet
  tandem-agent support [--button NAME|ID] [--config FILE] [--display :N] [--fps N] [--quality N]
                   [--view-only] [--no-screen] [--no-webrtc] [--name HOST] [--downloads DIR]
      asks for help through a Support Button a technician installed on this computer (the only one,
      or the one named): the session waits in the button's queue until a technician takes it, on hold
  tandem-agent support --list [--config FILE]
      prints the Support Buttons installed on this computer: name, title, queue and expiry
  tandem-agent monitors [--display :N]

Answer requests with y/n; type hold, observe, interact, 'clipboard off', 'clipboard on', unblock or close at any time,
and 'send PATH' to offer a file to the technicians. Files you accept are saved in --downloads DIR
(default: $XDG_DOWNLOAD_DIR, else ~/Downloads) under a safe name that never overwrites a file.
While the technician has blocked your keyboard and mouse, press Esc three times to take them back.`;

class UsageError extends Error {}

function log(line: string): void {
  process.stderr.write(`${new Date().toISOString()} tandem-agent: ${line}\n`);
}

function intOption(name: string, raw: string | undefined, fallback: number, min: number, max: number): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`--${name} must be an integer from ${min} to ${max}, got '${raw}'`);
  return n;
}

async function enrollCommand(v: Record<string, string | boolean | undefined>): Promise<AgentState> {
  const server = v.server as string | undefined;
  if (!server) throw new UsageError('--server URL is required to enroll');
  if (!/^https?:\/\//.test(server)) throw new UsageError(`--server must be an http(s) URL, got '${server}'`);
  const secret = v.secret as string | undefined;
  const code = v.code as string | undefined;
  if (!secret === !code) throw new UsageError('give exactly one of --secret or --code');
  const name = (v.name as string | undefined) ?? osHostname();
  const { agentId, token } = await enroll(server, name, secret ? { secret } : { code });
  // The Assist PIN the customer can read to a technician on the phone; it changes at every enrollment.
  const state: AgentState = { server, agentId, token, pin: String(randomInt(0, 1_000_000)).padStart(6, '0') };
  const file = (v.config as string | undefined) ?? defaultConfigPath();
  writeAgentState(file, state);
  log(`enrolled with ${server} as ${agentId}; saved to ${file} (readable by you only)`);
  return state;
}

function openScreen(display: string | undefined): X11Screen {
  const screen = new X11Screen(display ?? process.env.DISPLAY ?? '');
  const f = screen.features();
  const missing = Object.entries(f).filter(([, ok]) => !ok).map(([k]) => k);
  log(`display ${screen.display}: ${screen.monitors().map((m) => `${m.name} ${m.width}x${m.height}+${m.x}+${m.y}`).join(', ')}${missing.length ? ` (without ${missing.join(', ')})` : ''}`);
  return screen;
}

/**
 * `join`: the agent of this desktop (enrolled already with that server, else enrolled now with the attach
 * code) joins the click-to-chat session the code belongs to; it stops when the session ends, when a technician
 * disconnects this desktop from it (exit 0, its part is over) or when the code is refused (exit 1).
 */
async function joinCommand(v: Record<string, string | boolean | undefined>): Promise<void> {
  const server = v.server as string | undefined;
  const code = (v.code as string | undefined)?.trim().toUpperCase();
  if (!server || !/^https?:\/\//.test(server)) throw new UsageError('--server URL (http or https) is required to join');
  if (!code || !/^[0-9A-Z]{10}$/.test(code)) throw new UsageError(`--code must be the 10-character code the chat page shows, got '${code ?? ''}'`);
  const file = (v.config as string | undefined) ?? defaultConfigPath();
  let state = readAgentState(file);
  if (!state || state.server.replace(/\/+$/, '') !== server.replace(/\/+$/, '')) {
    const name = (v.name as string | undefined) ?? osHostname();
    const { agentId, token } = await enroll(server, name, { attachCode: code });
    state = { server, agentId, token, pin: String(randomInt(0, 1_000_000)).padStart(6, '0') };
    writeAgentState(file, state);
    log(`enrolled with ${server} as ${agentId}; saved to ${file} (readable by you only)`);
  }
  await runCommand(v, state, code);
}

/**
 * `support`: the enrolled agent starts a session through an installed Support Button and then runs as
 * `run` does. A button missing here or expired is refused before connecting; the server has the last word.
 */
async function supportCommand(v: Record<string, string | boolean | undefined>): Promise<void> {
  const file = (v.config as string | undefined) ?? defaultConfigPath();
  const notEnrolled = `not enrolled: ${file} does not exist. Run 'tandem-agent enroll --server URL --secret SECRET' first`;
  if (v.list) {
    if (v.button) throw new UsageError('--list shows every button: give it without --button');
    const listed = listSupportButtons(file, log);
    if (listed === null) throw new UsageError(notEnrolled);
    process.stdout.write(`${listed}\n`);
    return;
  }
  const picked = pickSupportButton(file, v.button as string | undefined, log);
  if (!picked) throw new UsageError(notEnrolled);
  log(`asking for help through the support button '${picked.button.name}': ${titleOf(picked.button)} (${picked.button.buttonId})`);
  await runCommand(v, picked.state, undefined, picked.button.buttonId);
}

async function runCommand(v: Record<string, string | boolean | undefined>, joined?: AgentState, attachCode?: string, supportButton?: string): Promise<void> {
  const file = (v.config as string | undefined) ?? defaultConfigPath();
  let state = joined ?? readAgentState(file);
  if (!state) {
    if (!v.server) throw new UsageError(`not enrolled: ${file} does not exist. Run 'tandem-agent enroll --server URL --secret SECRET' first (or pass them to run)`);
    state = await enrollCommand(v);
  }
  const fps = intOption('fps', v.fps as string | undefined, 15, 1, 60);
  const quality = intOption('quality', v.quality as string | undefined, 70, 10, 95);
  let screen: (ScreenSource & InputInjector & OverlaySurface) | undefined;
  let displayName = '';
  if (!v['no-screen']) {
    const x11 = openScreen(v.display as string | undefined);
    displayName = x11.display;
    screen = {
      monitors: () => x11.monitors(),
      capture: (monitor, opts) => x11.capture(monitor, opts),
      watch: (onActivity) => x11.watch(onActivity),
      watchesPointer: x11.features().motion,
      close: () => x11.close(),
      move: (m, x, y) => x11.move(m, x, y),
      button: (b, down) => x11.button(b, down),
      wheel: (dx, dy) => x11.wheel(dx, dy),
      key: (k, down) => x11.key(k, down),
      text: (t) => x11.text(t),
      overlay: (m, pointers, strokes) => x11.overlay(m, pointers, strokes),
    };
  }
  // WebRTC (viewers that offer get a video track; tiles keep working for the others): on unless --no-webrtc.
  let rtc: RtcPublisher | undefined;
  if (screen && !v['no-webrtc']) {
    const loaded = loadWrtc();
    if (loaded.wrtc) rtc = new RtcPublisher({ wrtc: loaded.wrtc, log });
    else log(`WebRTC unavailable (${loaded.error ?? 'no @roamhq/wrtc'}): viewers get tiles`);
  }
  const prompt = new TerminalPrompt();
  // The server refused what this run was for (the support button, the attach code): say why and exit 1.
  const refused = (code: string, message: string): void => {
    process.stderr.write(`tandem-agent: ${code}: ${message}\n`);
    process.exitCode = 1;
    client.stop();
    prompt.close();
    setTimeout(() => process.exit(1), 200).unref();
  };
  const client = new AgentClient({
    state,
    hello: { hostname: (v.name as string | undefined) ?? osHostname(), osUser: userInfo().username, os: `${process.platform} ${process.arch}`, version: VERSION, capabilities: screen ? ['screen', 'input', 'files', 'shell'] : ['files', 'shell'] },
    prompt,
    screen,
    injector: screen && !v['view-only'] ? screen : undefined,
    overlay: screen,
    // The clipboard follows the desktop only in interact (and never with --view-only).
    clipboard: screen && !v['view-only'] ? { watch: (onChange, maxBytes) => new X11Clipboard(displayName, maxBytes, onChange) } : undefined,
    // Blocking the customer's input needs injection (nothing to do for the technician otherwise).
    inputBlock: screen && !v['view-only'] ? { open: (onEnded) => new X11InputBlock(displayName, { onReleased: onEnded }) } : undefined,
    rtc,
    fps,
    quality,
    lockCommand: ['loginctl', 'lock-session'],
    downloadsDir: v.downloads as string | undefined,
    log,
    saveState: (s) => writeAgentState(file, s),
    ...(supportButton ? {
      supportButton,
      onSupportRefused: refused,
    } : {}),
    ...(attachCode ? {
      attachCode,
      onAttachRefused: refused,
      // A joined agent was for that one session: it stops when the session ends, or when the owner disconnects
      // this desktop from it (the chat goes on without the screen; this desktop's part is over).
      onSessionEnded: () => stop('session ended'),
      onDisconnected: () => stop('the technician disconnected this desktop from the session (its part is over)'),
    } : {}),
  });
  const stop = (signal: string): void => {
    log(`${signal}: stopping`);
    client.stop();
    prompt.close();
    setTimeout(() => process.exit(0), 200).unref();
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
  client.start();
}

async function main(argv: string[]): Promise<void> {
  // `tandem-agent --server URL --secret S` (no command) means run: what `npm run agent -- --server URL` gives.
  const [command, ...rest] = argv[0]?.startsWith('--') && !['--help', '-h'].includes(argv[0]) ? ['run', ...argv] : argv;
  const { values } = parseArgs({
    args: rest,
    options: {
      server: { type: 'string' }, secret: { type: 'string' }, code: { type: 'string' }, config: { type: 'string' },
      name: { type: 'string' }, button: { type: 'string' }, display: { type: 'string' }, downloads: { type: 'string' }, fps: { type: 'string' }, quality: { type: 'string' },
      list: { type: 'boolean' }, 'view-only': { type: 'boolean' }, 'no-screen': { type: 'boolean' }, 'no-webrtc': { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help || command === undefined || command === 'help' || command === '--help') {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  switch (command) {
    case 'enroll':
      await enrollCommand(values);
      return;
    case 'run':
      await runCommand(values);
      return;
    case 'join':
      await joinCommand(values);
      return;
    case 'support':
      await supportCommand(values);
      return;
    case 'monitors': {
      const screen = new X11Screen((values.display as string | undefined) ?? process.env.DISPLAY ?? '');
      process.stdout.write(`${JSON.stringify({ features: screen.features(), monitors: screen.monitors() }, null, 2)}\n`);
      screen.close();
      return;
    }
    default:
      throw new UsageError(`unknown command '${command}'`);
  }
}

main(process.argv.slice(2)).catch((err: unknown) => {
  if (err instanceof UsageError || (err as { code?: string }).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    process.stderr.write(`tandem-agent: ${(err as Error).message}\n\n${USAGE}\n`);
    process.exit(2);
  }
  if (err instanceof ButtonError) {
    process.stderr.write(`tandem-agent: ${err.code}: ${err.message}\n`);
    process.exit(1);
  }
  const code = (err as { code?: string }).code;
  process.stderr.write(`tandem-agent: ${code ? `${code}: ` : ''}${(err as Error).message ?? String(err)}\n`);
  process.exit(1);
});
