import { join } from 'node:path';
import { Inject, Injectable, Logger, type OnApplicationShutdown, type Provider } from '@nestjs/common';
import { ActorRegistry } from '../../actors/actor-registry';
import { Forwarder } from '../../actors/forwarder';
import { GUESSES } from '../../actors/aggregates/guesses.aggregate';
import { LEDGER } from '../../actors/aggregates/ledger.aggregate';
import { REQUEST } from '../../actors/aggregates/request.aggregate';
import { SESSION } from '../../actors/aggregates/session.aggregate';
import { TokenService } from '../../auth/token.service';
import type { Store } from '../../cluster/ports';
import type { TandemConfig } from '../../config/config.schema';
import { NodeInfo } from '../../node/node-info';
import { AttachHandlers } from './attach.handlers';
import { CodesHandlers } from './codes.handlers';
import { CustomerPanelHandler } from './customer-panel.handler';
import { EntryPointsHandlers } from './entry-points.handlers';
import { ExternalInvites } from './external-invites';
import { FileHandlers } from './file.handlers';
import { ShellHandlers } from './shell.handlers';
import { recordingDir } from '../../recording/recording-dir';
import { ShellTranscripts } from '../../recording/shell-transcripts';
import { LiveHandlers } from './live.handlers';
import { Messenger } from './messenger';
import { NodeRegistry } from './node-registry';
import { RequestHandlers } from './requests.handlers';
import { ClipboardHandlers } from './clipboard.handlers';
import { InputBlockHandlers } from './input-block.handlers';
import { RtcHandlers } from './rtc.handlers';
import { Notifications } from '../../mail/notifications';
import { Outbox } from '../../mail/outbox';
import { PeopleHandlers } from './people.handlers';
import { PeoplePresence } from './people-presence';
import { PresenceHandlers } from './presence.handlers';
import { SupervisionHandlers } from './supervision.handlers';
import { QueueHandlers } from './queue.handlers';
import { ResumeHandler } from './resume.handler';
import { ResumeTokens } from './resume-tokens';
import { SessionFanout } from './session-fanout';
import { SessionIndex } from './session-index';
import { SessionRouter } from './session-router';
import { SessionHandlers } from './session.handlers';
import { CLOCK, type Clock, STORE } from './tokens';

/** How long a resume token stays good: a working day, like a person's token. */
const RESUME_TTL_MS = 24 * 3600 * 1000;
/** Commands waiting per session before BUSY. */
const MAILBOX_CAPACITY = 1000;

/** Closes the actors (releasing their leases) and then the store, after the gateways said goodbye. */
@Injectable()
class RealtimeShutdown implements OnApplicationShutdown {
  private readonly logger = new Logger('realtime');
  constructor(private readonly actors: ActorRegistry, private readonly forwarder: Forwarder, @Inject(STORE) private readonly store: Store) {}

  async onApplicationShutdown(): Promise<void> {
    await this.forwarder.stop();
    await this.actors.close().catch((err: unknown) => this.logger.error({ err }, 'closing actors failed'));
    await this.store.close().catch((err: unknown) => this.logger.error({ err }, 'closing store failed'));
  }
}

/** The realtime layer: store, actors, routing, fan-out and every session handler. */
export function realtimeProviders(config: TandemConfig, store: Store, clock: Clock): Provider[] {
  return [
    { provide: STORE, useValue: store },
    { provide: CLOCK, useValue: clock },
    // Command shells' output, referred to by the journal: `<recording dir>/transcripts` (shared in a cluster).
    { provide: ShellTranscripts, useValue: new ShellTranscripts(join(recordingDir(config), 'transcripts'), { maxBytes: config.shell.transcriptMaxBytes }) },
    {
      provide: ActorRegistry,
      inject: [NodeInfo],
      useFactory: (info: NodeInfo) => {
        const registry = new ActorRegistry(store, {
          nodeId: info.id, leaseTtlMs: config.store.leaseTtlMs, snapshotEvery: config.store.snapshotEvery,
          mailboxCapacity: MAILBOX_CAPACITY, clock, idleMs: config.store.actorIdleMs,
          idleMsByKind: { [REQUEST.kind]: config.store.requestActorIdleMs },
        });
        registry.register(SESSION);
        registry.register(GUESSES);
        registry.register(LEDGER);
        return registry;
      },
    },
    {
      provide: Forwarder,
      inject: [ActorRegistry, NodeInfo],
      useFactory: async (registry: ActorRegistry, info: NodeInfo) => {
        const forwarder = new Forwarder(store, info.id, registry);
        await forwarder.start();
        return forwarder;
      },
    },
    { provide: ResumeTokens, inject: [TokenService], useFactory: (tokens: TokenService) => new ResumeTokens(tokens.deriveSecret('resume'), RESUME_TTL_MS, clock) },
    SessionRouter, SessionIndex, SessionFanout, SessionHandlers, PresenceHandlers, CodesHandlers, LiveHandlers, ResumeHandler, QueueHandlers,
    CustomerPanelHandler, EntryPointsHandlers, ExternalInvites, FileHandlers, ShellHandlers, Messenger, NodeRegistry, RequestHandlers, Outbox, Notifications, RealtimeShutdown,
    RtcHandlers,
    ClipboardHandlers,
    AttachHandlers,
    InputBlockHandlers,
    PeoplePresence,
    PeopleHandlers,
    SupervisionHandlers,
  ];
}
