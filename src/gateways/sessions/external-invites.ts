import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { SESSION } from '../../actors/aggregates/session.aggregate';
import { TokenService } from '../../auth/token.service';
import type { Store } from '../../cluster/ports';
import type { TandemConfig } from '../../config/config.schema';
import { CONFIG } from '../../config/config.token';
import { CLOSE_CODES } from '../../protocol/close-codes';
import type { Connection } from '../connection';
import { HandlerRegistry } from '../handler-registry';
import { ProtocolError } from '../protocol-error';
import { SessionHandlers } from './session.handlers';
import { SessionRouter } from './session-router';
import { STORE } from './tokens';

/** How long an external invitation link can be used. */
const LINK_TTL_SECONDS = 24 * 3600;
const linkKey = (externalId: string): string => `external:${externalId}`;
/** Set when the link was used: the session its person joined (so their reconnect may resume). */
const joinedKey = (externalId: string): string => `external:${externalId}:joined`;
const USED = 'this invitation link was already used, or it expired';

/**
 * One-time links for external representatives (people without an account): the owner's invitation
 * makes a link with a token for that invitation only; the first connection with it takes the link
 * (atomically, on any node) and joins the session with the external role's limited rights. A second
 * use, a cancelled or revoked invitation, or an ended session closes the connection (4403).
 *
 * The person who used it may reconnect after a drop: a later connection with the link's token is let
 * in for `session.resume` only, and needs the resume token that only the first connection received
 * (within ws.rejoinWindowMs, else 4403 LINK_USED). The domain lets them resume only while they are still
 * a member of the running session (authorizeResume). A copy of the used link alone still gets nothing.
 */
@Injectable()
export class ExternalInvites implements OnModuleInit {
  private readonly logger = new Logger('external');

  constructor(
    private readonly handlers: HandlerRegistry,
    private readonly router: SessionRouter,
    private readonly sessions: SessionHandlers,
    private readonly tokens: TokenService,
    @Inject(STORE) private readonly store: Store,
    @Inject(CONFIG) private readonly config: TandemConfig,
  ) {}

  onModuleInit(): void {
    this.sessions.externalLink = (sessionId, inviteId, externalId, name) => this.link(sessionId, inviteId, externalId, name);
    this.handlers.onOpen((conn) => {
      if (conn.identity.kind !== 'person' || conn.identity.role !== 'external') return;
      // Nothing but a resume passes until the link is taken (or the resume token proves a reconnect).
      conn.restrictedTo = { events: new Set(['session.resume']), code: 'LINK_USED', message: USED };
      void this.join(conn).catch((err: unknown) => this.refuse(conn, err));
    });
  }

  /** Makes the link for an external invitation just sent. */
  async link(sessionId: string, inviteId: string, externalId: string, name: string): Promise<string> {
    const token = await this.tokens.issue({ sub: externalId, kind: 'person', role: 'external', name, teams: [] }, LINK_TTL_SECONDS);
    await this.store.kv.set(linkKey(externalId), JSON.stringify({ sessionId, inviteId }), LINK_TTL_SECONDS * 1000);
    const base = this.config.node.publicUrl.replace(/\/$/, '');
    return `${base}/join#access_token=${token}`;
  }

  private async join(conn: Connection): Promise<void> {
    const raw = await this.store.kv.take(linkKey(conn.identity.id));
    if (!raw) {
      if (!(await this.store.kv.get(joinedKey(conn.identity.id)))) throw new ProtocolError('LINK_USED', USED);
      // Perhaps its person reconnecting: they have the window to resume, else the connection closes.
      // A page that never joined (a copy of the link) takes `external.rejoin` as "already used".
      conn.send('external.rejoin', { windowMs: this.config.ws.rejoinWindowMs });
      setTimeout(() => { if (conn.restrictedTo && conn.isOpen) this.refuse(conn, new ProtocolError('LINK_USED', USED)); }, this.config.ws.rejoinWindowMs).unref();
      return;
    }
    const { sessionId, inviteId } = JSON.parse(raw) as { sessionId: string; inviteId: string };
    await this.router.ask(SESSION, sessionId, { type: 'RespondInvite', inviteId, accept: true }, this.sessions.actorOf(conn));
    await this.store.kv.set(joinedKey(conn.identity.id), sessionId, LINK_TTL_SECONDS * 1000);
    conn.restrictedTo = null;
    conn.send('external.joined', { sessionId });
  }

  private refuse(conn: Connection, err: unknown): void {
    const known = err instanceof ProtocolError;
    if (!known) this.logger.error({ err }, `external join failed ${conn.describe()}`);
    conn.error(undefined, known ? err.code : 'INTERNAL', known ? err.message : 'could not join the session');
    conn.close(CLOSE_CODES.KICKED, 'invitation link not usable');
  }
}
