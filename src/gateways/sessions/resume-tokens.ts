import { createHmac, timingSafeEqual } from 'node:crypto';

export interface ResumeClaims {
  sessionId: string;
  /** The identity the token was issued to: `person:alice`, `agent:a1`. */
  holder: string;
  exp: number;
}

/**
 * Resume tokens: HMAC-signed, bound to one session and one identity, so a token that leaks is useless
 * on someone else's connection. Stateless, so any node can check one.
 */
export class ResumeTokens {
  constructor(private readonly secret: string, private readonly ttlMs: number, private readonly clock: () => number) {}

  issue(sessionId: string, holder: string): string {
    const body = Buffer.from(JSON.stringify({ sessionId, holder, exp: this.clock() + this.ttlMs })).toString('base64url');
    return `${body}.${this.sign(body)}`;
  }

  /** The claims, or null when the token is forged, malformed or expired. */
  verify(token: string): ResumeClaims | null {
    const [body, mac] = token.split('.');
    if (!body || !mac) return null;
    const expected = Buffer.from(this.sign(body));
    const given = Buffer.from(mac);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return null;
    try {
      const claims = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as ResumeClaims;
      if (typeof claims.sessionId !== 'string' || typeof claims.holder !== 'string' || typeof claims.exp !== 'number') return null;
      return claims.exp > this.clock() ? claims : null;
    } catch {
      return null;
    }
  }

  private sign(body: string): string {
    return createHmac('sha256', this.secret).update(`resume.${body}`).digest('base64url');
  }
}
