/**
 * User ids across realms. Local users keep their plain username (`bob`); a user of any other realm is
 * `<realmId>:<username>` (`corp:alice`). A local username can never contain `:` (config and the user
 * file allow `A-Z a-z 0-9 . _ @ -` only), so the two can never collide, and the form passes every
 * wire id check (`A-Z a-z 0-9 _ . : @ -`, at most 80 characters).
 */
export const USERNAME_PATTERN = /^[A-Za-z0-9._@-]{1,64}$/;

export function qualifiedUserId(realmId: string, username: string): string {
  return `${realmId}:${username}`;
}

/** The realm part of a user id, or null for a local (unqualified) id. */
export function realmOfUserId(userId: string): string | null {
  const i = userId.indexOf(':');
  return i > 0 ? userId.slice(0, i) : null;
}
