import { Body, Controller, Get, HttpCode, Inject, Ip, Post, Req } from '@nestjs/common';
import type { Request } from 'express';
import { CONFIG } from '../config/config.token';
import type { TandemConfig } from '../config/config.schema';
import { type ActorKind, resolveRights } from '../domain';
import { rightsTableOf } from '../gateways/sessions/actor-of';
import { ApiError } from '../http/api-error';
import { AttemptLimiter } from './attempt-limiter';
import { LoginDto } from './login.dto';
import type { RealmInfo } from './realms/realm';
import { TokenService } from './token.service';
import { UnknownRealmError, UserDirectory } from './user-directory';
import type { UserRecord } from './user-record';

type LoginReply = { token: string; user: { username: string; displayName: string; role: string; teams: string[]; realm: string | null; rights: string[] } };

/**
 * `POST /api/auth/login {username, password, realm?}` → `{token, user}` for the cockpit;
 * `POST /api/auth/panel-login` signs a directory user in on a customer panel; `GET /api/auth/realms`
 * lists the user databases for the login pages. Failures are rate-limited per user and address.
 */
@Controller('api/auth')
export class AuthController {
  private readonly limiter: AttemptLimiter;

  constructor(
    @Inject(CONFIG) private readonly config: TandemConfig,
    private readonly users: UserDirectory,
    private readonly tokens: TokenService,
  ) {
    this.limiter = new AttemptLimiter(config.auth.login.maxAttempts, config.auth.login.windowSeconds * 1000);
  }

  @Get('realms')
  realms(): { realms: RealmInfo[] } {
    return { realms: this.users.realms() };
  }

  @Post('login')
  @HttpCode(200)
  async login(@Body() body: LoginDto, @Ip() ip: string): Promise<LoginReply> {
    const user = await this.check(body, ip, (u) => u.role !== 'customer');
    const token = await this.tokens.issue({ sub: user.username, kind: 'person', role: user.role, name: user.displayName, teams: user.teams });
    const kind: ActorKind = user.role === 'admin' || user.role === 'supervisor' ? user.role : 'technician';
    return {
      token,
      user: {
        username: user.username, displayName: user.displayName, role: user.role, teams: user.teams, realm: this.users.realmOf(user.username),
        rights: resolveRights(rightsTableOf(this.config), kind, user.teams),
      },
    };
  }

  /**
   * A user at their desktop signs in on its customer panel (`Authorization: Bearer <panel token>`): the
   * answer is a panel token for the same desktop that also names the user, so the requests they file
   * carry their id and their directory's email address.
   */
  @Post('panel-login')
  @HttpCode(200)
  async panelLogin(@Body() body: LoginDto, @Ip() ip: string, @Req() req: Request): Promise<{ token: string; user: { username: string; displayName: string; realm: string | null } }> {
    const header = req.headers.authorization;
    const verified = header?.startsWith('Bearer ') ? await this.tokens.verify(header.slice(7).trim()) : null;
    if (!verified?.ok || verified.claims.kind !== 'customer') throw new ApiError(401, 'UNAUTHORIZED', 'send Authorization: Bearer <customer panel token>');
    const user = await this.check(body, ip, () => true);
    const ttl = Math.max(10, verified.claims.exp - Math.floor(Date.now() / 1000));
    const token = await this.tokens.issue({ sub: verified.claims.sub, kind: 'customer', role: 'customer', name: user.displayName, teams: [], user: user.username }, ttl);
    return { token, user: { username: user.username, displayName: user.displayName, realm: this.users.realmOf(user.username) } };
  }

  /** Rate limit, then the realm's own check (bcrypt or an LDAP bind); 401, 429, 400 UNKNOWN_REALM or 503 DIRECTORY_UNAVAILABLE. */
  private async check(body: LoginDto, ip: string, mayUse: (u: UserRecord) => boolean): Promise<UserRecord> {
    const keys = [`user:${body.realm ?? ''}:${body.username}`, `ip:${ip}`];
    if (keys.some((k) => this.limiter.isBlocked(k))) {
      throw new ApiError(429, 'RATE_LIMITED', 'too many failed logins; try again later');
    }
    const result = await this.users.login(body.realm, body.username, body.password).catch((err: unknown) => {
      if (err instanceof UnknownRealmError) throw new ApiError(400, 'UNKNOWN_REALM', `no user database ${body.realm ?? ''} is configured (GET /api/auth/realms)`);
      throw err;
    });
    if (!result.ok && result.code === 'DIRECTORY_UNAVAILABLE') {
      const realm = body.realm ?? this.users.realms()[0].id;
      throw new ApiError(503, 'DIRECTORY_UNAVAILABLE', `the user database ${realm} cannot be reached; try again later`);
    }
    if (!result.ok || !mayUse(result.user)) {
      keys.forEach((k) => this.limiter.recordFailure(k));
      throw new ApiError(401, 'BAD_CREDENTIALS', 'unknown user or wrong password');
    }
    keys.forEach((k) => this.limiter.reset(k));
    return result.user;
  }
}
