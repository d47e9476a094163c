import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';

/**
 * The command shells a technician opened in an elevated session: a shell process per id, its output
 * streamed back, closed on request or when the server says elevation (or the session) is over. The
 * server decides when a shell may exist; this only runs what it was told to, and kills it when told.
 */
export class RemoteShells {
  private readonly shells = new Map<string, { sessionId: string; child: ChildProcessWithoutNullStreams }>();

  constructor(
    private readonly out: (event: 'shell.output' | 'shell.exit', data: Record<string, unknown>) => void,
    private readonly shell: string = process.env.SHELL && process.platform !== 'win32' ? process.env.SHELL : '/bin/sh',
  ) {}

  open(sessionId: string, shellId: string): void {
    if (this.shells.has(shellId)) return;
    const child = spawn(this.shell, [], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, PS1: '' } });
    this.shells.set(shellId, { sessionId, child });
    const forward = (chunk: Buffer): void => this.out('shell.output', { sessionId, shellId, data: chunk.toString('utf8') });
    child.stdout.on('data', forward);
    child.stderr.on('data', forward);
    child.on('error', (err) => this.out('shell.output', { sessionId, shellId, data: `shell failed: ${err.message}\n` }));
    child.on('exit', (code) => {
      this.shells.delete(shellId);
      this.out('shell.exit', { sessionId, shellId, code: code ?? -1 });
    });
  }

  /**
   * A shell the agent will not run (asked for a session it is not in now): the technician reads why and
   * the server hears it exit, which closes its record.
   */
  refuse(sessionId: string, shellId: string, why: string): void {
    this.out('shell.output', { sessionId, shellId, data: `command shell refused by the desktop: ${why}\n` });
    this.out('shell.exit', { sessionId, shellId, code: -1 });
  }

  /** Input for a shell of that session (none of another session's shells). */
  input(sessionId: string, shellId: string, data: string): void {
    const shell = this.shells.get(shellId);
    if (shell?.sessionId === sessionId) shell.child.stdin.write(data);
  }

  /** The process ids of the running shells (tests and diagnostics). */
  get pids(): number[] {
    return [...this.shells.values()].map((s) => s.child.pid).filter((pid): pid is number => pid !== undefined);
  }

  /** Closes one session's shells (or all). */
  close(sessionId?: string): void {
    for (const [id, s] of this.shells) {
      if (sessionId !== undefined && s.sessionId !== sessionId) continue;
      s.child.kill('SIGKILL');
      this.shells.delete(id);
    }
  }

  get count(): number {
    return this.shells.size;
  }
}
