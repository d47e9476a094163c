import type { IncomingMessage } from 'node:http';
import type { TokenService } from '../auth/token.service';
import type { Endpoint } from './connection';
import type { Identity } from './identity';

/** Where the upgrade check leaves the identity for handleConnection. */
export const IDENTITY = Symbol('tandem.identity');
export type AuthedRequest = IncomingMessage & { [IDENTITY]?: Identity };

/** The bearer token from `Authorization: Bearer …` or, for browsers, `?access_token=…`. */
export function tokenFrom(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization;
  if (header?.startsWith('Bearer ')) return header.slice(7).trim();
  const query = new URL(req.url ?? '/', 'http://x').searchParams.get('access_token');
  return query ?? undefined;
}

/**
 * Checks the token before the upgrade completes: a missing, bad, expired or revoked token, or one
 * of the wrong kind for the endpoint, is refused with HTTP 401.
 */
export async function authenticateUpgrade(req: IncomingMessage, tokens: TokenService, endpoint: Endpoint): Promise<Identity | null> {
  const token = tokenFrom(req);
  if (!token) return null;
  const result = await tokens.verify(token);
  if (!result.ok) return null;
  const { claims } = result;
  const kind = claims.kind as Identity['kind'];
  const allowed = endpoint === 'agent' ? kind === 'agent' : kind === 'person' || kind === 'customer';
  if (!allowed) return null;
  return { kind, id: claims.sub, name: claims.name, role: claims.role, teams: claims.teams ?? [], ...(typeof claims.user === 'string' ? { user: claims.user } : {}), exp: claims.exp };
}
