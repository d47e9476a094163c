import { AssistRequestDto, InputDto, SessionInviteDto } from './messages/console.dto';
import { validateDto } from './validate-dto';

describe('validateDto', () => {
  it('accepts valid data and applies defaults', () => {
    const r = validateDto(AssistRequestDto, { agentId: 'agent-1' });
    expect(r).toEqual({ ok: true, value: expect.objectContaining({ agentId: 'agent-1', action: 'view' }) });
  });

  it('names a wrongly typed field', () => {
    expect(validateDto(InputDto, { sessionId: 's1', kind: 'move', x: 'left', y: 0.5 })).toEqual({ ok: false, message: expect.stringMatching(/^x: /) });
  });

  it('names a nested field with its path', () => {
    expect(validateDto(SessionInviteDto, { sessionId: 's1', target: { kind: 'team', teamId: '../x' } })).toEqual({ ok: false, message: expect.stringMatching(/^target\.teamId: /) });
  });

  it('refuses unknown fields instead of dropping them', () => {
    expect(validateDto(AssistRequestDto, { agentId: 'a', extra: 1 })).toEqual({ ok: false, message: 'extra: unknown field' });
  });

  it('refuses non-object data', () => {
    expect(validateDto(AssistRequestDto, [1])).toEqual({ ok: false, message: 'data must be an object' });
  });
});
