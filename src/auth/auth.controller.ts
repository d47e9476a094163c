import { Body, Controller, HttpCode, Inject, Ip, Post } from '@nestjs/common';
import { CONFIG } from '../config/config.token';
import type { TandemConfig } from '../config/config.schema';
import { ApiError } from '../http/api-error';
import { AttemptLimiter } from './attempt-limiter';
import { LoginDto } from './login.dto';
import { DUMMY_HASH, verifyPassword } from './password';
import { TokenService } from './token.service';
import { UserDirectory } from './user-directory';

/** `POST /api/auth/login {username, password}` → `{token}`; failures are rate-limited per user and address. */
@Controller('api/auth')
export class AuthController {
  private readonly limiter: AttemptLimiter;

  constructor(
    @Inject(CONFIG) config: TandemConfig,
    private readonly users: UserDirectory,
    private readonly tokens: TokenService,
  ) {
    this.limiter = new AttemptLimiter(config.auth.login.maxAttempts, config.auth.login.windowSeconds * 1000);
  }

  @Post('login')
  @HttpCode(200)
  async login(@Body() body: LoginDto, @Ip() ip: string): Promise<{ token: string; user: { username: string; displayName: string; role: string; teams: string[] } }> {
    const keys = [`user:${body.username}`, `ip:${ip}`];
    if (keys.some((k) => this.limiter.isBlocked(k))) {
      throw new ApiError(429, 'RATE_LIMITED', 'too many failed logins; try again later');
    }
    const user = this.users.find(body.username);
    const ok = await verifyPassword(body.password, user?.passwordHash ?? DUMMY_HASH);
    if (!user || !ok || user.role === 'customer') {
      keys.forEach((k) => this.limiter.recordFailure(k));
      throw new ApiError(401, 'BAD_CREDENTIALS', 'unknown user or wrong password');
    }
    keys.forEach((k) => this.limiter.reset(k));
    const token = await this.tokens.issue({ sub: user.username, kind: 'person', role: user.role, name: user.displayName, teams: user.teams });
    return { token, user: { username: user.username, displayName: user.displayName, role: user.role, teams: user.teams } };
  }
}
