import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readAgentState, writeAgentState } from './agent-config';
import { ButtonError, EntryPoints } from './entry-points';
import { listSupportButtons, pickSupportButton, startSupport } from './support-start';

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

  it('lists the installed buttons with their titles (support --list), null when not enrolled', () => {
    expect(listSupportButtons(file, () => undefined)).toBeNull();
    enrolled([{ buttonId: 'b-1', name: 'Helpdesk', expiresAt: Date.now() + 3600_000 }]);
    expect(listSupportButtons(file, () => undefined)).toMatch(/^Helpdesk: Helpdesk\n {4}valid until /);
  });

  it('says the title it starts and whom it waits for once the server accepted', async () => {
    const state = { server: 'x', agentId: 'ag-1', token: 't', pin: '1', supportButtons: [{ buttonId: 'b-1', name: 'Helpdesk', profile: 'default', title: 'Get help from IT', description: '', queue: 'the Helpdesk team', expiresAt: Date.now() + 3600_000 }] };
    const notices: string[] = [];
    const started = new Promise<string>((resolve) => startSupport({
      buttonId: 'b-1', request: () => Promise.resolve({ sessionId: 's-1', seq: 1, queue: { kind: 'team', teamId: 'helpdesk' } }),
      entryPoints: new EntryPoints({ state, notice: () => undefined, log: () => undefined }), notice: (t) => notices.push(t),
      started: (sessionId) => resolve(sessionId), refused: () => undefined,
    }));
    expect(await started).toBe('s-1');
    expect(notices[0]).toBe('Get help from IT — waiting for the Helpdesk team…');
  });
});
