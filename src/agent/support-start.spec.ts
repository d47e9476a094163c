import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readAgentState, writeAgentState } from './agent-config';
import { ButtonError } from './entry-points';
import { pickSupportButton } from './support-start';

describe('pickSupportButton (`tandem-agent support` before it connects)', () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tandem-support-'));
    file = join(dir, 'agent.json');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const enrolled = (buttons: { buttonId: string; name: string; expiresAt: number }[]): void =>
    writeAgentState(file, { server: 'http://127.0.0.1:1', agentId: 'ag-1', token: 'tok', pin: '123456', supportButtons: buttons.map((b) => ({ ...b, profile: 'default' })) });

  it('says so (null) when the agent is not enrolled in that file', () => {
    expect(pickSupportButton(file, undefined, () => undefined)).toBeNull();
  });

  it('picks the button named in the config file and writes back the expired ones dropped', () => {
    const later = Date.now() + 3600_000;
    enrolled([{ buttonId: 'b-old', name: 'Old', expiresAt: Date.now() - 1000 }, { buttonId: 'b-1', name: 'Helpdesk', expiresAt: later }, { buttonId: 'b-2', name: 'Payroll', expiresAt: later }]);
    const picked = pickSupportButton(file, 'payroll', () => undefined)!;
    expect(picked.button).toMatchObject({ buttonId: 'b-2', name: 'Payroll' });
    expect(picked.state.agentId).toBe('ag-1');
    expect(readAgentState(file)!.supportButtons!.map((b) => b.buttonId)).toEqual(['b-1', 'b-2']);
    expect(() => pickSupportButton(file, undefined, () => undefined)).toThrow(expect.objectContaining({ code: 'AMBIGUOUS_BUTTON' }) as Error);
    expect(() => pickSupportButton(file, 'Accounts', () => undefined)).toThrow(ButtonError);
  });
});
