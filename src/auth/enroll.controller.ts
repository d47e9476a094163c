import { randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import { Body, Controller, HttpCode, Inject, Ip, Post, Req } from '@nestjs/common';
import type { Request } from 'express';
import type { Store } from '../cluster/ports';
import type { TandemConfig } from '../config/config.schema';
import { CONFIG } from '../config/config.token';
import { STORE, CLOCK, type Clock } from '../gateways/sessions/tokens';
import { ApiError } from '../http/api-error';
import { attachCodeKey } from '../gateways/sessions/attach.handlers';
import { AttemptLimiter } from './attempt-limiter';
import { EnrollDto, EnrollmentCodeDto } from './enroll.dto';
import { requireBearer } from './http-auth';
import { TokenService } from './token.service';

const CODE_ALPHABET = '23456789ABCDEFGHJKLMNPQRSTUVWXYZ';
const codeKey = (code: string): string => `enroll-code:${code}`;

interface EnrollmentCode { teams: string[]; createdBy: string }

/**
 * Agents enroll with the shared secret from config or a one-time code an admin made; either gives an
 * agent id and a long-lived agent token. Codes are taken atomically from the store, so each works once
 * on any node. Failures are rate-limited per address.
 */
@Controller('api/agents')
export class EnrollController {
  private readonly limiter: AttemptLimiter;

  constructor(
    @Inject(CONFIG) private readonly config: TandemConfig,
    @Inject(STORE) private readonly store: Store,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly tokens: TokenService,
  ) {
    this.limiter = new AttemptLimiter(config.auth.login.maxAttempts, config.auth.login.windowSeconds * 1000);
  }

  @Post('enroll')
  @HttpCode(201)
  async enroll(@Body() body: EnrollDto, @Ip() ip: string): Promise<{ agentId: string; token: string }> {
    const key = `enroll-ip:${ip}`;
    if (this.limiter.isBlocked(key)) throw new ApiError(429, 'RATE_LIMITED', 'too many failed enrollments; try again later');
    if (!body.secret && !body.code && !body.attachCode) throw new ApiError(400, 'INVALID_DATA', 'send secret, code or attachCode');
    let teams: string[] = [];
    if (body.attachCode) {
      // The code is not used up here: joining the session (agent.hello) decides whether it is still good.
      if ((await this.store.kv.get(attachCodeKey(body.attachCode))) === null) {
        this.limiter.recordFailure(key);
        throw new ApiError(401, 'ENROLLMENT_REFUSED', 'the attach code is unknown');
      }
    } else if (body.code) {
      const raw = await this.store.kv.take(codeKey(body.code));
      if (!raw) {
        this.limiter.recordFailure(key);
        throw new ApiError(401, 'ENROLLMENT_REFUSED', 'the enrollment code is unknown, expired or already used');
      }
      teams = (JSON.parse(raw) as EnrollmentCode).teams;
    } else if (!this.secretMatches(body.secret!)) {
      this.limiter.recordFailure(key);
      throw new ApiError(401, 'ENROLLMENT_REFUSED', 'the enrollment secret is wrong (or enrollment by secret is off)');
    }
    const agentId = `ag_${randomBytes(9).toString('base64url')}`;
    const token = await this.tokens.issue({ sub: agentId, kind: 'agent', role: 'agent', name: body.hostname, teams });
    return { agentId, token };
  }

  @Post('enrollment-codes')
  @HttpCode(201)
  async createCode(@Body() body: EnrollmentCodeDto, @Req() req: Request): Promise<{ code: string; expiresAt: number }> {
    const admin = await requireBearer(req, this.tokens, ['admin']);
    const code = Array.from({ length: 10 }, () => CODE_ALPHABET[randomInt(CODE_ALPHABET.length)]).join('');
    const ttlMs = (body.ttlSeconds ?? 24 * 3600) * 1000;
    const record: EnrollmentCode = { teams: body.teams ?? [], createdBy: admin.sub };
    await this.store.kv.set(codeKey(code), JSON.stringify(record), ttlMs);
    return { code, expiresAt: this.clock() + ttlMs };
  }

  private secretMatches(given: string): boolean {
    const expected = this.config.auth.enrollmentSecret;
    if (!expected) return false;
    const a = Buffer.from(given);
    const b = Buffer.from(expected);
    return a.length === b.length && timingSafeEqual(a, b);
  }
}
