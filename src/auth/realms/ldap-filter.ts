/**
 * Escapes a value for an LDAP search filter (RFC 4515 §3): `*`, `(`, `)`, `\` and NUL become `\2a`,
 * `\28`, `\29`, `\5c`, `\00`. Other control characters are escaped too, so a username can never
 * change the structure of the filter it is put into (`*)(uid=*` stays one literal value).
 */
export function escapeFilterValue(value: string): string {
  let out = '';
  for (const c of value) {
    const code = c.charCodeAt(0);
    out += c === '*' || c === '(' || c === ')' || c === '\\' || code < 0x20 || code === 0x7f ? `\\${code.toString(16).padStart(2, '0')}` : c;
  }
  return out;
}

/** The configured user filter with `{username}` replaced by the escaped username. */
export function userFilterFor(template: string, username: string): string {
  const escaped = escapeFilterValue(username);
  return template.split('{username}').join(escaped);
}

/** The configured user filter matching every user (the sync): `{username}` becomes the wildcard `*`. */
export function allUsersFilter(template: string): string {
  return template.split('{username}').join('*');
}

/**
 * A DN in a form two spellings of the same entry agree on: lower case, no blanks around `,` and `=`.
 * Enough for comparing a group's `member` values with a search result's DN from the same server.
 */
export function normalizeDn(dn: string): string {
  return dn.trim().toLowerCase().replace(/\s*([,=+])\s*/g, '$1');
}
