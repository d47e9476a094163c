import { randomBytes } from 'node:crypto';
import { Body, Controller, Get, HttpCode, Inject, Ip, Param, Post } from '@nestjs/common';
import { IsOptional, IsString, Matches, MaxLength, MinLength } from 'class-validator';
import { SESSION } from '../actors/aggregates/session.aggregate';
import type { TandemConfig } from '../config/config.schema';
import { CONFIG } from '../config/config.token';
import { ProtocolError } from '../gateways/protocol-error';
import { actorOf, rightsTableOf } from '../gateways/sessions/actor-of';
import { SessionIndex } from '../gateways/sessions/session-index';
import { SessionRouter } from '../gateways/sessions/session-router';
import { newId } from '../gateways/sessions/session.handlers';
import { ApiError } from '../http/api-error';
import { AttemptLimiter } from './attempt-limiter';
import { TokenService } from './token.service';

const TEAM_ID = /^[a-z0-9][a-z0-9-]*$/;

export class ChatStartDto {
  @IsString() @MinLength(1) @MaxLength(80) name!: string;
  @Matches(TEAM_ID, { message: 'team must be a team id' }) team!: string;
  /** What the customer needs help with: posted as their first chat message, so the technician reads it on taking the chat. */
  @IsOptional() @IsString() @MaxLength(500) topic?: string;
}

/** A chat-only customer's token lives a working day. */
const CHAT_TTL_SECONDS = 8 * 3600;

/**
 * Click-to-chat: a customer without the agent opens a chat-only session into a team's queue from a
 * link (`/chat?queue=TEAM`, which calls `POST /api/chat/start {name, team, topic?}`), and gets a customer token
 * for the panel. A technician takes it from the queue like any waiting session. Rate-limited per address (anonymous).
 */
@Controller('api/chat')
export class ChatController {
  private readonly limiter: AttemptLimiter;

  constructor(
    private readonly tokens: TokenService,
    private readonly router: SessionRouter,
    private readonly index: SessionIndex,
    @Inject(CONFIG) private readonly config: TandemConfig,
  ) {
    this.limiter = new AttemptLimiter(10, 60_000);
  }

  /** The page behind a click-to-chat link says which team it reaches before the customer starts (`404 UNKNOWN_TEAM`). */
  @Get('queues/:team')
  queue(@Param('team') team: string): object {
    const found = TEAM_ID.test(team) ? this.config.teams.find((t) => t.id === team) : undefined;
    if (!found) throw new ApiError(404, 'UNKNOWN_TEAM', 'no such team');
    return { team: found.id, name: found.name || found.id };
  }

  @Post('start')
  @HttpCode(201)
  async start(@Body() body: ChatStartDto, @Ip() ip: string): Promise<object> {
    const key = `chat:${ip}`;
    if (this.limiter.isBlocked(key)) throw new ApiError(429, 'RATE_LIMITED', 'too many chats started from this address; try again later');
    this.limiter.recordFailure(key);
    if (!this.config.teams.some((t) => t.id === body.team)) throw new ApiError(404, 'UNKNOWN_TEAM', 'no such team');
    const customerId = `chat_${randomBytes(9).toString('base64url')}`;
    const identity = { kind: 'customer' as const, id: customerId, name: body.name, role: 'customer', teams: [], exp: 0 };
    const sessionId = newId('s');
    await this.index.claimAgent(customerId, sessionId);
    const actor = actorOf(identity, rightsTableOf(this.config));
    const topic = body.topic?.trim();
    try {
      await this.router.ask(SESSION, sessionId, { type: 'OpenSession', via: { kind: 'click-to-chat', queue: { kind: 'team', teamId: body.team } } }, actor, false);
      if (topic) await this.router.ask(SESSION, sessionId, { type: 'SendChat', messageId: newId('m'), text: topic }, actor, true);
    } catch (err) {
      if (err instanceof ProtocolError) throw new ApiError(409, err.code, err.message);
      throw err;
    }
    const token = await this.tokens.issue({ sub: customerId, kind: 'customer', role: 'customer', name: body.name, teams: [] }, CHAT_TTL_SECONDS);
    return { sessionId, token, path: `/customer#access_token=${token}` };
  }
}
