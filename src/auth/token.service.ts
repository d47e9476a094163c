import { createHmac } from 'node:crypto';
import { join } from 'node:path';
import { jwtVerify, SignJWT, errors as joseErrors } from 'jose';
import type { TandemConfig } from '../config/config.schema';
import { readOrCreateSecret } from './secret-file';

/** What a token says about its bearer. `kind` separates people from desktop agents. */
export interface TokenClaims {
  sub: string;
  kind: 'person' | 'agent' | 'customer';
  role: string;
  name: string;
  teams: string[];
  /** On a customer panel token: the directory user who signed in on it (`corp:carol`, docs/realms.md). */
  user?: string;
  /** Tokens issued before a revocation are refused (see TokenService.revokeBefore). */
  iat: number;
  exp: number;
}

export type VerifyResult = { ok: true; claims: TokenClaims } | { ok: false; code: 'TOKEN_EXPIRED' | 'TOKEN_INVALID' | 'TOKEN_REVOKED' };

/** Signs and verifies HS256 JWTs with a secret from config or the data dir. */
export class TokenService {
  private readonly key: Uint8Array;
  /** subject → epoch seconds; tokens issued at or before it are refused. */
  private readonly revokedBefore = new Map<string, number>();

  constructor(private readonly config: TandemConfig) {
    const secret = config.auth.jwtSecret || readOrCreateSecret(join(config.node.dataDir, 'jwt-secret'));
    this.key = new TextEncoder().encode(secret);
  }

  /** A secret for another purpose (resume tokens …), derived from the signing key, the same on every node. */
  deriveSecret(purpose: string): string {
    return createHmac('sha256', this.key).update(`tandem:${purpose}`).digest('base64url');
  }

  async issue(claims: Omit<TokenClaims, 'iat' | 'exp'>, ttlSeconds?: number): Promise<string> {
    const ttl = ttlSeconds ?? (claims.kind === 'agent' ? this.config.auth.agentTokenTtlSeconds : this.config.auth.tokenTtlSeconds);
    return new SignJWT({ kind: claims.kind, role: claims.role, name: claims.name, teams: claims.teams, ...(claims.user ? { user: claims.user } : {}) })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(claims.sub)
      .setIssuedAt()
      .setExpirationTime(`${ttl}s`)
      .sign(this.key);
  }

  async verify(token: string): Promise<VerifyResult> {
    try {
      const { payload } = await jwtVerify(token, this.key, { algorithms: ['HS256'] });
      const claims = payload as unknown as TokenClaims;
      const revoked = this.revokedBefore.get(claims.sub);
      if (revoked !== undefined && claims.iat <= revoked) return { ok: false, code: 'TOKEN_REVOKED' };
      return { ok: true, claims };
    } catch (err) {
      return { ok: false, code: err instanceof joseErrors.JWTExpired ? 'TOKEN_EXPIRED' : 'TOKEN_INVALID' };
    }
  }

  /** The time (epoch seconds) up to which `subject`'s tokens are refused, if they were revoked. */
  revokedAt(subject: string): number | undefined {
    return this.revokedBefore.get(subject);
  }

  /** Refuses every token of `subject` issued up to now. */
  revoke(subject: string, atSeconds = Math.floor(Date.now() / 1000)): void {
    this.revokedBefore.set(subject, atSeconds);
  }
}
