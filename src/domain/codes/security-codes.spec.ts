import { isRejection } from '../common/decision';
import { admin, cust, sys, tech } from '../testing/session-scenario';
import { SECURITY_CODE_TTL_MS, SecurityCodesState, decideSecurityCode, evolveSecurityCodes, initialSecurityCodesState, pruneCodes } from './security-codes';

const T = 1_000_000;
const apply = (s: SecurityCodesState, d: ReturnType<typeof decideSecurityCode>) => (isRejection(d) ? s : d.events.reduce(evolveSecurityCodes, s));
const withCode = apply(initialSecurityCodesState(), decideSecurityCode(initialSecurityCodesState(), { type: 'CreateCode', code: 'K7Q2ZP' }, tech, T));
const code = (d: ReturnType<typeof decideSecurityCode>) => (isRejection(d) ? d.rejection.code : d.events.map((e) => e.type).join());

describe('security codes', () => {
  test('CODE-1 a technician makes a code that lives 10 minutes — "The technician clicks the Get a security code button and then has 10 Minutes to give this code to the user who needs help."', () => {
    expect(withCode.codes.K7Q2ZP.expiresAt).toBe(T + SECURITY_CODE_TTL_MS);
    expect(code(decideSecurityCode(withCode, { type: 'RedeemCode', code: 'K7Q2ZP', agentId: 'a1' }, cust, T + SECURITY_CODE_TTL_MS - 1))).toBe('CodeRedeemed');
  });

  test('CODE-2 an expired code is refused (CODE_EXPIRED) — "then has 10 Minutes to give this code to the user"', () => {
    expect(code(decideSecurityCode(withCode, { type: 'RedeemCode', code: 'K7Q2ZP', agentId: 'a1' }, cust, T + SECURITY_CODE_TTL_MS))).toBe('CODE_EXPIRED');
  });

  test('CODE-3 a code is used once (CODE_USED) — "The user will enter the code into the Enter Code box in the Remote Help Client."', () => {
    const used = apply(withCode, decideSecurityCode(withCode, { type: 'RedeemCode', code: 'K7Q2ZP', agentId: 'a1' }, sys, T + 1));
    expect(used.codes.K7Q2ZP.agentId).toBe('a1');
    expect(code(decideSecurityCode(used, { type: 'RedeemCode', code: 'K7Q2ZP', agentId: 'a2' }, cust, T + 2))).toBe('CODE_USED');
    expect(pruneCodes(used, T + 2).codes).toEqual({});
  });

  test('CODE-4 an unknown code is refused (CODE_UNKNOWN) — "The user will enter the code into the Enter Code box"', () => {
    expect(code(decideSecurityCode(withCode, { type: 'RedeemCode', code: 'NOPE00', agentId: 'a1' }, cust, T))).toBe('CODE_UNKNOWN');
  });

  test('CODE-5 only representatives make codes, only the customer or agent redeems; a live code is not made twice — "The technician clicks the Get a security code button"', () => {
    expect(code(decideSecurityCode(withCode, { type: 'CreateCode', code: 'X' }, cust, T))).toBe('FORBIDDEN');
    expect(code(decideSecurityCode(withCode, { type: 'CreateCode', code: 'K7Q2ZP' }, admin, T))).toBe('CODE_EXISTS');
    expect(code(decideSecurityCode(withCode, { type: 'RedeemCode', code: 'K7Q2ZP', agentId: 'a1' }, tech, T))).toBe('FORBIDDEN');
    expect(code(decideSecurityCode(withCode, { type: 'Bogus' } as never, tech, T))).toBe('UNKNOWN_COMMAND');
    expect(evolveSecurityCodes(withCode, { type: 'Nope' } as never)).toBe(withCode);
    expect(evolveSecurityCodes(withCode, { type: 'CodeRedeemed', code: 'ZZ', seq: 9, actor: tech, at: 1, agentId: 'a', createdBy: tech }).seq).toBe(9);
  });
});
