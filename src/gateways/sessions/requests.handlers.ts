import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { ActorRegistry } from '../../actors/actor-registry';
import { presenceAggregate } from '../../actors/aggregates/presence.aggregate';
import { OPEN_REQUESTS, REQUEST } from '../../actors/aggregates/request.aggregate';
import { SESSION } from '../../actors/aggregates/session.aggregate';
import { UnknownRealmError, UserDirectory } from '../../auth/user-directory';
import { eachLimited, GapRun } from '../../cluster/bus-gap';
import type { Store } from '../../cluster/ports';
import type { TandemConfig } from '../../config/config.schema';
import { CONFIG } from '../../config/config.token';
import { type Actor, hasRight, isRepresentative, type PresenceState, REJECTION_CODES, type RequestEvent, type RequestState, requestListedFor, requestVisibleTo, type SessionEvent } from '../../domain';
import type { DirectoryUsersDto, RequestEditDto, RequestFileDto, RequestListDto, RequestRefDto } from '../../protocol/messages/request.dto';
import type { Connection } from '../connection';
import { ConnectionRegistry } from '../connection-registry';
import { HandlerRegistry } from '../handler-registry';
import { ProtocolError } from '../protocol-error';
import { SYSTEM_ACTOR } from './actor-of';
import { PRESENCE_ID, PresenceHandlers } from './presence.handlers';
import { SessionFanout } from './session-fanout';
import { newId, SessionHandlers } from './session.handlers';
import { SessionRouter } from './session-router';
import { STORE } from './tokens';

const OPEN = OPEN_REQUESTS;
const sessionRequestKey = (sessionId: string): string => `session:${sessionId}:request`;
/** Set while a request is being filed: its id is listed before its journal exists (see file()). */
const filingKey = (requestId: string): string => `request:${requestId}:filing`;
/** Far longer than a filing takes; after it, a listed id without a journal is a filing a dead node never finished. */
const FILING_MS = 60_000;
/** How many requests `request.list` reads at once (docs/requests-at-scale.md). */
const LIST_READS_IN_FLIGHT = 16;
/** How many version reads a bus-gap check has in flight at once (an `LLEN` each, pipelined by the client). */
const GAP_READS_IN_FLIGHT = 64;
/** How long a closed request's version is kept (far longer than a gap check takes). */
const FORGET_CLOSED_MS = 5 * 60_000;

/** What this node last knew of a request: its version, and its owner's desktop (who else may see it). */
type Heard = { version: number; agentId: string | null; closed: boolean };

/** A request as lists show it; `realm` is the user database of its owner (docs/realms.md). */
export type RequestView = Omit<RequestState, 'seq' | 'owner'> & { owner: { agentId: string; name: string; userId: string | null; realm: string | null } | null };

/**
 * Remote assistance requests on the wire: file, edit, launch, delete, list, and `request.changed` pushes
 * to the owner and to assistants who may view them. A launched request follows its session: the user's
 * answer makes it In Progress, the session's end Inactive (or deleted when One-Time).
 */
@Injectable()
export class RequestHandlers implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('requests');
  /**
   * The version of every request this node pushed or listed since it started (every node hears every
   * request commit). After a bus gap, a request whose journal is past it changed unheard (see gapCheck()).
   */
  private readonly heard = new Map<string, Heard>();
  /** The requests heard closed, oldest first, to forget after FORGET_CLOSED_MS. */
  private readonly closedAt: { id: string; at: number }[] = [];
  private offGap: (() => void) | null = null;
  /** One gap check at a time; again after failed reads (the store still reconnecting). */
  private readonly gapRuns = new GapRun(() => this.gapCheck(), (err) => this.logger.error({ err }, 'request check after a bus gap failed'));

  constructor(
    private readonly handlers: HandlerRegistry,
    private readonly router: SessionRouter,
    private readonly actors: ActorRegistry,
    private readonly sessions: SessionHandlers,
    private readonly presence: PresenceHandlers,
    private readonly fanout: SessionFanout,
    private readonly connections: ConnectionRegistry,
    private readonly users: UserDirectory,
    @Inject(STORE) private readonly store: Store,
    @Inject(CONFIG) private readonly config: TandemConfig,
  ) {
    actors.register(REQUEST);
  }

  onModuleInit(): void {
    this.handlers.on('request.file', (conn, d: RequestFileDto) => this.file(conn, d));
    this.handlers.on('request.edit', (conn, d: RequestEditDto) => this.edit(conn, d));
    this.handlers.on('request.launch', (conn, d: RequestRefDto) => this.launch(conn, d));
    this.handlers.on('request.delete', async (conn, d: RequestRefDto) => this.answer(await this.router.ask(REQUEST, d.requestId, { type: 'DeleteRequest' }, this.actor(conn)).catch(unknownRequest)));
    this.handlers.on('request.list', async (conn, d: RequestListDto) => ({ requests: await this.list(this.actor(conn), d.realm) }));
    this.handlers.on('directory.users', (conn, d: DirectoryUsersDto) => this.directoryUsers(conn, d));
    this.fanout.on('request', (msg) => {
      const state = msg.state as RequestState;
      this.hear(state, msg.version);
      this.push(state);
    });
    // A request filed, changed or deleted while this node's bus was down: pushed once it is back.
    this.offGap = this.store.bus.onGap?.(() => this.gapRuns.trigger()) ?? null;
    // Launched requests follow their session (on the node that commits it, so once).
    this.actors.onCommit((commit) => {
      if (commit.kind !== 'session') return;
      const events = commit.events as SessionEvent[];
      const answered = events.find((e) => e.type === 'AssistAccepted');
      const ended = events.find((e) => e.type === 'SessionEnded');
      if (!answered && !ended) return;
      const declined = events.some((e) => e.type === 'AssistDeclined');
      // One session's follow-ups in commit order: an answer must reach the request before the end.
      const before = this.following.get(commit.id) ?? Promise.resolve();
      const next = before.then(() => this.follow(commit.id, answered, ended, !declined))
        .catch((err: unknown) => this.logger.error({ err }, `request follow-up failed [session:${commit.id}]`));
      this.following.set(commit.id, next);
      void next.then(() => { if (this.following.get(commit.id) === next) this.following.delete(commit.id); });
    });
  }

  async onApplicationShutdown(): Promise<void> {
    this.offGap?.();
    await this.gapRuns.close();
  }

  /** The last follow-up of each session still running (see onModuleInit). */
  private readonly following = new Map<string, Promise<void>>();

  private actor(conn: Connection): Actor {
    return this.sessions.actorOf(conn);
  }

  private answer(commit: { state: RequestState; version: number }): object {
    return { requestId: commit.state.requestId, seq: commit.version, request: this.viewOf(commit.state) };
  }

  private viewOf(s: RequestState): RequestView {
    const { seq: _seq, owner, ...rest } = s;
    return { ...rest, owner: owner ? { agentId: owner.agentId, name: owner.name, userId: owner.userId ?? null, realm: this.realmOfOwner(s) } : null };
  }

  /** The realm of a request's owner; a request without a known user counts as the first realm's. */
  private realmOfOwner(s: RequestState): string | null {
    return s.owner?.userId ? this.users.realmOf(s.owner.userId) : this.users.realms()[0]?.id ?? null;
  }

  private knownRealm(realm: string): string {
    if (!this.users.realms().some((r) => r.id === realm)) throw new ProtocolError('UNKNOWN_REALM', `no user database ${realm}`);
    return realm;
  }

  /** The users of one realm, for an assistant who files a request for one of them. */
  private directoryUsers(conn: Connection, d: DirectoryUsersDto): object {
    const actor = this.actor(conn);
    if (!isRepresentative(actor.kind) || !hasRight(actor, 'request.create')) throw new ProtocolError('FORBIDDEN', 'listing a user database needs request.create');
    try {
      const users = this.users.listRealm(d.realm).map((u) => ({ id: u.username, name: u.displayName, email: u.email ?? null, role: u.role }));
      return { realm: d.realm, users: users.sort((a, b) => a.name.localeCompare(b.name)) };
    } catch (err) {
      if (err instanceof UnknownRealmError) throw new ProtocolError('UNKNOWN_REALM', `no user database ${d.realm}`);
      throw err;
    }
  }

  private async file(conn: Connection, d: RequestFileDto): Promise<object> {
    const actor = this.actor(conn);
    const availableFrom = d.availableFrom === '*' ? null : parseTime(d.availableFrom, 'availableFrom');
    let owner: { agentId: string; name: string; email?: string | null; userId?: string };
    if (actor.kind === 'customer') {
      // A user who signed in on the panel (docs/realms.md) files as themselves: their name and their directory's mail.
      const signedIn = conn.identity.user;
      if (d.userId !== undefined && d.userId !== signedIn) throw new ProtocolError('FORBIDDEN', 'a user files requests for themselves only');
      const user = signedIn ? this.users.find(signedIn) : undefined;
      owner = { agentId: actor.id, name: user?.displayName ?? actor.name, email: d.email ?? user?.email ?? null, ...(signedIn ? { userId: signedIn } : {}) };
    } else {
      if (!d.agentId) throw new ProtocolError('INVALID_DATA', 'agentId: the desktop the request is for');
      const presence = await this.router.query(presenceAggregate(this.config.ws.agentGraceMs), PRESENCE_ID, (s: PresenceState) => s, false);
      const agent = presence.agents[d.agentId];
      if (!agent) throw new ProtocolError('UNKNOWN_AGENT', 'no such agent');
      const user = d.userId !== undefined ? this.users.find(d.userId) : undefined;
      if (d.userId !== undefined && !user) throw new ProtocolError('UNKNOWN_USER', 'no such user in any user database');
      owner = user
        ? { agentId: agent.agentId, name: user.displayName, email: d.email ?? user.email ?? null, userId: user.username }
        : { agentId: agent.agentId, name: agent.osUser || agent.hostname, email: d.email ?? null };
    }
    const requestId = newId('req');
    // Listed first, then committed: a node dying in between leaves an id without a journal, which the
    // lists skip and drop (list()), never a request that no list shows and the mail recovery never walks.
    await this.store.kv.set(filingKey(requestId), '1', FILING_MS);
    await this.store.kv.setAdd(OPEN, requestId);
    try {
      return this.answer(await this.router.ask(REQUEST, requestId, { type: 'FileRequest', owner, description: d.description, availableFrom, oneTime: d.oneTime }, actor, false));
    } catch (err) {
      // Refused by the domain: nothing was journaled. (Any other failure may have committed; list() tells later.)
      if (err instanceof ProtocolError && err.code in REJECTION_CODES) await this.store.kv.setRemove(OPEN, requestId);
      throw err;
    }
  }

  private async edit(conn: Connection, d: RequestEditDto): Promise<object> {
    let assignee: { id: string; name: string } | null | undefined;
    if (d.assignee === null) assignee = null;
    else if (d.assignee !== undefined) {
      const user = this.users.find(d.assignee);
      if (!user || user.role === 'customer') throw new ProtocolError('UNKNOWN_USER', 'no such assistant');
      assignee = { id: user.username, name: user.displayName };
    }
    const scheduledAt = d.scheduledAt === null ? null : d.scheduledAt === undefined ? undefined : parseTime(d.scheduledAt, 'scheduledAt');
    const commit = await this.router.ask(REQUEST, d.requestId, {
      type: 'EditRequest', ...(assignee !== undefined ? { assignee } : {}), ...(scheduledAt !== undefined ? { scheduledAt } : {}), ...(d.status ? { status: d.status } : {}),
    }, this.actor(conn)).catch(unknownRequest);
    return this.answer(commit);
  }

  private async launch(conn: Connection, d: RequestRefDto): Promise<object> {
    const actor = this.actor(conn);
    const request = await this.router.query(REQUEST, d.requestId, (s) => s).catch(unknownRequest);
    if (!isRepresentative(actor.kind) || !hasRight(actor, 'request.view')) throw new ProtocolError('FORBIDDEN', 'launching a request needs request.view');
    if (request.status === 'none' || request.status === 'closed' || !request.owner) throw new ProtocolError('UNKNOWN_REQUEST', 'no such open request');
    if (request.status === 'waiting' || request.status === 'in-progress') throw new ProtocolError('SESSION_EXISTS', 'the request already has a session');
    const presence = await this.router.query(presenceAggregate(this.config.ws.agentGraceMs), PRESENCE_ID, (s: PresenceState) => s, false);
    const agent = presence.agents[request.owner.agentId];
    if (!agent?.online) throw new ProtocolError('UNKNOWN_AGENT', 'the user\'s desktop is not online');
    const started = await this.presence.startAssist(agent, actor, 'selection', 'control');
    await this.store.kv.set(sessionRequestKey(started.sessionId), d.requestId, 7 * 24 * 3600 * 1000);
    const commit = await this.router.ask(REQUEST, d.requestId, { type: 'LaunchRequest', sessionId: started.sessionId }, actor);
    return { ...this.answer(commit), sessionId: started.sessionId };
  }

  /** The request of a launched session follows it: answered (In Progress), ended (Inactive, deleted or Open again). */
  private async follow(sessionId: string, answered: SessionEvent | undefined, ended: SessionEvent | undefined, accepted: boolean): Promise<void> {
    const requestId = await this.store.kv.get(sessionRequestKey(sessionId));
    if (!requestId) return;
    if (answered) await this.router.ask(REQUEST, requestId, { type: 'SessionAnswered', sessionId, by: answered.actor }, SYSTEM_ACTOR);
    if (ended) {
      await this.router.ask(REQUEST, requestId, { type: 'SessionClosed', sessionId, accepted, by: ended.actor }, SYSTEM_ACTOR);
      await this.store.kv.delete(sessionRequestKey(sessionId));
    }
  }

  /**
   * A request still Waiting or In Progress whose session has ended missed its follow-up (the node that
   * committed the end died before it): it follows now, as the domain says for its status.
   */
  private async reconcile(s: RequestState): Promise<RequestState> {
    if ((s.status !== 'waiting' && s.status !== 'in-progress') || !s.sessionId) return s;
    const sessionId = s.sessionId;
    const status = await this.router.query(SESSION, sessionId, (st) => st.status, false).catch(() => null);
    if (status !== 'ended') return s;
    this.logger.warn(`request ${s.requestId} missed the end of session ${sessionId}; following it now`);
    const commit = await this.router.ask(REQUEST, s.requestId, { type: 'SessionClosed', sessionId, accepted: s.status === 'in-progress' }, SYSTEM_ACTOR).catch(() => null);
    await this.store.kv.delete(sessionRequestKey(sessionId));
    return commit?.state ?? s;
  }

  private async list(actor: Actor, realm?: string): Promise<RequestView[]> {
    if (realm !== undefined) this.knownRealm(realm);
    const out: RequestView[] = [];
    const one = async (id: string): Promise<void> => {
      // Read, not activated: activating would take (and renew) one lease per open request on this node.
      const read = await this.router.peek(REQUEST, id, (st, version) => (version > 0 ? { st, version } : null)).catch(() => null);
      if (read) this.hear(read.st, read.version);
      const s = read ? await this.reconcile(read.st) : null;
      if (!s) {
        if (await this.abandonedFiling(id)) await this.store.kv.setRemove(OPEN, id);
        return;
      }
      if (s.status === 'closed') {
        await this.store.kv.setRemove(OPEN, id);
        return;
      }
      if (requestListedFor(s, actor) && (realm === undefined || this.realmOfOwner(s) === realm)) out.push(this.viewOf(s));
    };
    const ids = await this.store.kv.setMembers(OPEN);
    // A few reads in flight at once: the store's round trips overlap, without flooding it.
    await eachLimited(ids, LIST_READS_IN_FLIGHT, one);
    return out.sort((a, b) => (a.createdAt ?? 0) - (b.createdAt ?? 0) || (a.requestId < b.requestId ? -1 : a.requestId > b.requestId ? 1 : 0));
  }

  /** A listed id with no journal whose filing is over: the node filing it died before the commit (see file()). */
  private async abandonedFiling(requestId: string): Promise<boolean> {
    if ((await this.store.journal.version(`${REQUEST.kind}:${requestId}`)) > 0) return false;
    if ((await this.store.kv.get(filingKey(requestId))) !== null) return false;
    this.logger.warn(`dropping request ${requestId} from the open list: its filing never committed`);
    return true;
  }

  /** Records the newest version of a request this node has pushed or read; false when it knew it already. */
  private hear(s: RequestState, version: number): boolean {
    const known = this.heard.get(s.requestId);
    if (known && known.version >= version) return false;
    const closed = s.status === 'closed';
    this.heard.set(s.requestId, { version, agentId: s.owner?.agentId ?? null, closed });
    const now = Date.now();
    if (closed) this.closedAt.push({ id: s.requestId, at: now });
    // A closed request is remembered a while (a gap check reading it concurrently must not push an older
    // state after its close), then forgotten: nobody is shown it any more.
    while (this.closedAt.length > 0 && this.closedAt[0]!.at < now - FORGET_CLOSED_MS) {
      const { id } = this.closedAt.shift()!;
      if (this.heard.get(id)?.closed) this.heard.delete(id);
    }
    return true;
  }

  /**
   * After a bus gap, the requests whose journal is past what this node heard are read and pushed as
   * `request.changed` (the close included, so lists drop a request deleted meanwhile), to whoever may
   * see them, as a live commit would have been. Only when someone here may see some request: an
   * assistant with request.view (every request) or a desktop's user (their own). One version read
   * (`LLEN`) per open or known request, and a state read per changed or new one. Returns how many reads failed.
   */
  private async gapCheck(): Promise<number> {
    const started = Date.now();
    const actors = this.connections.list().map((c) => this.actor(c));
    const viewer = actors.some((a) => isRepresentative(a.kind) && hasRight(a, 'request.view'));
    const owners = new Set(actors.filter((a) => a.kind === 'customer').map((a) => a.id));
    if (!viewer && owners.size === 0) return 0;
    const open = await this.store.kv.setMembers(OPEN);
    const ids = [...new Set([...open, ...this.heard.keys()])];
    let failed = 0;
    let pushed = 0;
    const one = async (id: string): Promise<void> => {
      const known = this.heard.get(id);
      // Nobody here may see it: its owner (set at filing, never changed) has no desktop here.
      if (!viewer && known && (known.agentId === null || !owners.has(known.agentId))) return;
      try {
        const version = await this.store.journal.version(`${REQUEST.kind}:${id}`);
        if (version === 0 || (known && version <= known.version)) return;
        const read = await this.router.peek(REQUEST, id, (st, v) => ({ st, v }));
        // Nobody here was shown a request that was already closed when this node first heard of it.
        const knew = this.heard.has(id);
        if (!this.hear(read.st, read.v) || (!knew && read.st.status === 'closed')) return;
        this.push(read.st);
        pushed++;
      } catch (err) {
        if (failed++ === 0) this.logger.warn({ err }, `request check after a bus gap failed [request:${id}]`);
      }
    };
    await eachLimited(ids, GAP_READS_IN_FLIGHT, one);
    this.logger.log(`bus gap: ${pushed} of ${ids.length} requests pushed again, ${failed} reads failed${failed > 0 ? ' (retried)' : ''}, ${Date.now() - started} ms`);
    return failed;
  }

  /**
   * `request.changed` to the owner's desktop (agent and panel) and to every assistant who may view requests,
   * the close included: that is how their lists drop it.
   */
  private push(state: RequestState): void {
    const data = { request: this.viewOf(state) };
    for (const conn of this.connections.list()) {
      if (requestVisibleTo(state, this.actor(conn))) conn.send('request.changed', data);
    }
  }
}

function parseTime(v: string, field: string): number {
  const t = Date.parse(v);
  if (!Number.isFinite(t)) throw new ProtocolError('INVALID_DATA', `${field}: an ISO time${field === 'availableFrom' ? ' or *' : ''}`);
  return t;
}

function unknownRequest(err: unknown): never {
  if (err instanceof ProtocolError && err.code === 'UNKNOWN_SESSION') throw new ProtocolError('UNKNOWN_REQUEST', 'no such request');
  throw err;
}

export type { RequestEvent };
