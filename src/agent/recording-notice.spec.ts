import { PassThrough } from 'node:stream';
import { RecordingNotice } from './recording-notice';
import { TerminalPrompt } from './terminal-prompt';

describe('the recording notice at the agent', () => {
  let said: string;
  let stdin: PassThrough;
  let prompt: RecordingNotice;
  beforeEach(() => {
    said = '';
    stdin = new PassThrough();
    const stdout = new PassThrough();
    stdout.on('data', (c: Buffer) => { said += c.toString(); });
    prompt = new RecordingNotice(new TerminalPrompt(stdin, stdout));
  });
  afterEach(() => prompt.close());
  const lines = (): string[] => said.trim().split('\n');

  it('announces the recording and marks every notice and question until it stops', async () => {
    prompt.notice('mode is now observe');
    prompt.set(true, 'policy');
    expect(prompt.isRecording).toBe(true);
    prompt.notice('mode is now interact');
    const answer = prompt.askRequest({ sessionId: 's', requestId: 'r', kind: 'control', from: { id: 'alice', name: 'Alice Tech' } });
    stdin.write('y\n');
    await expect(answer).resolves.toBe(true);
    prompt.set(false);
    prompt.notice('mode is now hold');
    expect(lines()).toEqual([
      'tandem: mode is now observe',
      "tandem: [recorded] this session is now being recorded (by policy): your screen and the session's events are saved",
      'tandem: [recorded] mode is now interact',
      'tandem: [recorded] Alice Tech asks to take control. Allow? [y/n]',
      'tandem: the recording of this session has stopped',
      'tandem: mode is now hold',
    ]);
  });

  it('says a start or a stop once, and nothing after the session ended', () => {
    prompt.set(true, 'owner');
    prompt.set(true, 'owner');
    prompt.clear();
    prompt.set(false);
    prompt.notice('the session has ended');
    expect(lines()).toEqual([
      "tandem: [recorded] this session is now being recorded (started by the technician): your screen and the session's events are saved",
      'tandem: the session has ended',
    ]);
  });
});
