import { DEFAULT_RIGHTS_TABLE, RIGHTS, hasRight, resolveRights } from './rights';

describe('rights', () => {
  test('RIGHT-1 rights come from role and teams in config — "Remote Assistance Create - Allows creating of assistance requests for other users."', () => {
    const table = { roles: { technician: ['session.assist'] }, teams: { ops: ['jump.pin', 'session.assist'] } };
    expect(resolveRights(table, 'technician', ['ops', 'none'])).toEqual(['jump.pin', 'session.assist']);
    expect(resolveRights(table, 'supervisor', [])).toEqual([]);
    expect(resolveRights(DEFAULT_RIGHTS_TABLE, 'admin', [])).toEqual([...RIGHTS].sort());
    expect(resolveRights({ roles: {}, teams: { t: ['request.view', 'session.share'] } }, 'customer', ['t'])).toEqual(['request.view']);
  });

  test('RIGHT-2 an external representative never gets share, transfer or elevation — "send a one-time invitation to an external user who does not have an account"', () => {
    const table = { roles: { external: ['session.share', 'session.transfer', 'session.elevate', 'session.assist'] }, teams: {} };
    expect(resolveRights(table, 'external', [])).toEqual(['session.assist']);
    expect(hasRight({ kind: 'external', rights: ['session.share'] }, 'session.share')).toBe(false);
    expect(hasRight({ kind: 'admin', rights: [] }, 'session.share')).toBe(true);
  });
});
