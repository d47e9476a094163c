import { randomBytes } from 'node:crypto';
import { Logger } from '@nestjs/common';
import type { Store, Unsubscribe } from '../cluster/ports';
import type { Actor } from '../domain';
import type { ActorRegistry } from './actor-registry';
import type { AskResult } from './aggregate.actor';

/** An error as it crosses the bus: its class name, message and, for NotLocalError, the holder. */
export interface RemoteError { name: string; message: string; holder?: string }

type Request =
  | { type: 'ask'; reqId: string; from: string; kind: string; id: string; command: unknown; actor: Actor; mustExist: boolean }
  | { type: 'call'; reqId: string; from: string; kind: string; id: string; procedure: string; payload: unknown };
type Reply = { type: 'reply'; reqId: string; result?: unknown; error?: RemoteError };

/** Runs inside the owning actor's mailbox with its state; its result goes back to the caller. */
export type Procedure = (state: unknown, payload: unknown) => unknown;

/** The node holding the lease did not answer in time (dead, paused, partitioned). */
export class ForwardTimeoutError extends Error {
  override readonly name = 'ForwardTimeoutError';
}

/** A refusal that happened on the owning node, rebuilt here with its name so routing can translate it. */
export class RemoteFailure extends Error {
  constructor(readonly remote: RemoteError) {
    super(remote.message);
    this.name = remote.name;
  }
}

const channelOf = (node: string): string => `rpc:${node}`;

/**
 * Forwards a command to the node holding its stream's lease over the bus, and runs commands other nodes
 * forward here. Each node listens on its own channel `rpc:<nodeId>`; replies come back on the asker's.
 * The owner runs the command through its mailbox exactly as a local one (commit listeners included),
 * so events fan out from there to every node.
 */
export class Forwarder {
  private readonly logger = new Logger('forwarder');
  private readonly pending = new Map<string, { resolve: (r: Reply) => void; timer: NodeJS.Timeout }>();
  private unsubscribe: Unsubscribe | null = null;
  private readonly procedures = new Map<string, Procedure>();

  constructor(private readonly store: Store, private readonly nodeId: string, private readonly registry: ActorRegistry) {}

  async start(): Promise<void> {
    this.unsubscribe = await this.store.bus.subscribe(channelOf(this.nodeId), (raw) => this.receive(raw));
  }

  async stop(): Promise<void> {
    for (const { timer } of this.pending.values()) clearTimeout(timer);
    this.pending.clear();
    await this.unsubscribe?.().catch(() => undefined);
  }

  /** Registers a procedure other nodes may run on actors this node holds. */
  procedure(name: string, run: Procedure): void {
    this.procedures.set(name, run);
  }

  /** A registered procedure, to run it here. */
  procedureOf(name: string): Procedure | undefined {
    return this.procedures.get(name);
  }

  /** Runs a registered procedure on `holder`'s actor of the stream, in its mailbox. */
  async call(holder: string, kind: string, id: string, procedure: string, payload: unknown, timeoutMs: number): Promise<unknown> {
    return this.request(holder, { type: 'call', reqId: randomBytes(8).toString('hex'), from: this.nodeId, kind, id, procedure, payload }, timeoutMs);
  }

  /** Asks `holder` to run the command. Rejects with ForwardTimeoutError or the owner's RemoteFailure. */
  async ask(holder: string, kind: string, id: string, command: unknown, actor: Actor, mustExist: boolean, timeoutMs: number): Promise<AskResult<unknown, unknown>> {
    const reqId = randomBytes(8).toString('hex');
    return (await this.request(holder, { type: 'ask', reqId, from: this.nodeId, kind, id, command, actor, mustExist }, timeoutMs)) as AskResult<unknown, unknown>;
  }

  private async request(holder: string, request: Request, timeoutMs: number): Promise<unknown> {
    const { reqId, kind, id } = request;
    const reply = new Promise<Reply>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(reqId);
        reject(new ForwardTimeoutError(`node ${holder} did not answer in ${timeoutMs} ms [${kind}:${id}]`));
      }, timeoutMs);
      this.pending.set(reqId, { resolve, timer });
    });
    await this.store.bus.publish(channelOf(holder), JSON.stringify(request));
    const answer = await reply;
    if (answer.error) throw new RemoteFailure(answer.error);
    return answer.result;
  }

  private receive(raw: string): void {
    let msg: Request | Reply;
    try {
      msg = JSON.parse(raw) as Request | Reply;
    } catch {
      this.logger.warn('malformed rpc message ignored');
      return;
    }
    if (msg?.type === 'reply') {
      const waiting = this.pending.get(msg.reqId);
      if (!waiting) return; // Timed out already; the command may still have been applied, as a lost ack would be.
      clearTimeout(waiting.timer);
      this.pending.delete(msg.reqId);
      waiting.resolve(msg);
      return;
    }
    if ((msg?.type === 'ask' || msg?.type === 'call') && typeof msg.from === 'string') void this.serve(msg);
  }

  private async serve(req: Request): Promise<void> {
    let reply: Reply;
    try {
      const spec = this.registry.spec(req.kind);
      if (!spec) throw Object.assign(new Error(`unknown stream kind ${req.kind}`), { name: 'InvalidStateError' });
      // Only local: a request is never forwarded twice from here; the asker follows the new holder.
      let result: unknown;
      if (req.type === 'ask') {
        result = await this.registry.askLocal(spec, req.id, req.command, req.actor, req.mustExist);
      } else {
        const run = this.procedures.get(req.procedure);
        if (!run) throw Object.assign(new Error(`unknown procedure ${req.procedure}`), { name: 'InvalidStateError' });
        result = await this.registry.query(spec, req.id, (state) => run(state, req.payload));
      }
      reply = { type: 'reply', reqId: req.reqId, result };
    } catch (err) {
      const e = err as Error & { holder?: string };
      reply = { type: 'reply', reqId: req.reqId, error: { name: e.name, message: e.message, ...(e.holder ? { holder: e.holder } : {}) } };
    }
    await this.store.bus.publish(channelOf(req.from), JSON.stringify(reply)).catch((err: unknown) => this.logger.error({ err }, `reply to ${req.from} failed`));
  }
}
