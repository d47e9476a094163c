import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { startProcess, type TrackedProcess } from './processes';
import { waitFor } from './wait';

const run = promisify(execFile);

export interface TestDisplay {
  readonly display: string;
  readonly process: TrackedProcess;
  /** Runs an X client (xdotool, xsetroot, …) against this display. */
  x(command: string, args: string[]): Promise<string>;
  stop(): Promise<void>;
}

/**
 * A real Xvfb on the first free display number from :90 (or on `display`, e.g. to bring a killed
 * one back), stopped by PID.
 */
export async function startXvfb(opts: { width?: number; height?: number; display?: string } = {}): Promise<TestDisplay> {
  let n = 90;
  while (existsSync(`/tmp/.X11-unix/X${n}`) || existsSync(`/tmp/.X${n}-lock`)) n++;
  const display = opts.display ?? `:${n}`;
  const proc = startProcess('Xvfb', 'Xvfb', [display, '-screen', '0', `${opts.width ?? 1280}x${opts.height ?? 720}x24`, '-nolisten', 'tcp', '-noreset', '+extension', 'DAMAGE', '+extension', 'RANDR']);
  const x = async (command: string, args: string[]): Promise<string> => (await run(command, args, { env: { ...process.env, DISPLAY: display } })).stdout;
  try {
    await waitFor(`Xvfb ${display}`, async () => (await x('xdpyinfo', [])).includes('dimensions'), 10000, 50);
  } catch (err) {
    await proc.stop();
    throw new Error(`${String(err)}\n${proc.output()}`, { cause: err });
  }
  return { display, process: proc, x, stop: () => proc.stop() };
}
