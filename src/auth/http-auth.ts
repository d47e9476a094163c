import type { Request } from 'express';
import { ApiError } from '../http/api-error';
import type { TokenClaims, TokenService } from './token.service';

/** The bearer of an HTTP request, who must have one of `roles`: 401 without a valid token, 403 with the wrong role. */
export async function requireBearer(req: Request, tokens: TokenService, roles: readonly string[]): Promise<TokenClaims> {
  const header = req.headers.authorization;
  if (!header?.startsWith('Bearer ')) throw new ApiError(401, 'UNAUTHORIZED', 'send Authorization: Bearer <token>');
  const result = await tokens.verify(header.slice(7).trim());
  if (!result.ok) throw new ApiError(401, result.code === 'TOKEN_EXPIRED' ? 'TOKEN_EXPIRED' : 'UNAUTHORIZED', 'the token is invalid or expired');
  if (result.claims.kind !== 'person' || !roles.includes(result.claims.role)) throw new ApiError(403, 'FORBIDDEN', `this needs the role ${roles.join(' or ')}`);
  return result.claims;
}
