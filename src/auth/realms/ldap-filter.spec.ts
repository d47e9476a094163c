import { allUsersFilter, escapeFilterValue, normalizeDn, userFilterFor } from './ldap-filter';
import { qualifiedUserId, realmOfUserId, USERNAME_PATTERN } from './realm-user-id';

const DEFAULT = '(&(objectClass=inetOrgPerson)(uid={username}))';

describe('LDAP filter escaping (RFC 4515)', () => {
  it('escapes *, (, ), backslash and NUL as \\XX', () => {
    expect(escapeFilterValue('a*b(c)d\\e\u0000f')).toBe('a\\2ab\\28c\\29d\\5ce\\00f');
  });

  it('leaves ordinary names, dots, @ and non-ASCII alone', () => {
    expect(escapeFilterValue('carol.o-neil@corp')).toBe('carol.o-neil@corp');
    expect(escapeFilterValue('jürgen')).toBe('jürgen');
  });

  it('keeps an injection attempt one literal value of the uid', () => {
    expect(userFilterFor(DEFAULT, '*)(uid=*')).toBe('(&(objectClass=inetOrgPerson)(uid=\\2a\\29\\28uid=\\2a))');
    expect(userFilterFor(DEFAULT, 'x)(|(uid=*')).toBe('(&(objectClass=inetOrgPerson)(uid=x\\29\\28|\\28uid=\\2a))');
  });

  it('escapes control characters', () => {
    expect(escapeFilterValue('a\nb\u007f')).toBe('a\\0ab\\7f');
  });

  it('puts the username into every {username} of the template', () => {
    expect(userFilterFor('(|(uid={username})(mail={username}))', 'bo*')).toBe('(|(uid=bo\\2a)(mail=bo\\2a))');
  });

  it('makes the sync filter match everyone with a real wildcard', () => {
    expect(allUsersFilter(DEFAULT)).toBe('(&(objectClass=inetOrgPerson)(uid=*))');
  });

  it('normalizes DNs for comparing group members', () => {
    expect(normalizeDn('UID=Carol, OU=People , dc=Corp,dc=test')).toBe('uid=carol,ou=people,dc=corp,dc=test');
  });
});

describe('realm user ids', () => {
  it('qualifies directory users as <realm>:<username>, which no local username can be', () => {
    expect(qualifiedUserId('corp', 'alice')).toBe('corp:alice');
    expect(realmOfUserId('corp:alice')).toBe('corp');
    expect(realmOfUserId('alice')).toBeNull();
    expect(realmOfUserId('alice@corp')).toBeNull();
    expect(USERNAME_PATTERN.test('corp:alice')).toBe(false);
  });
});
