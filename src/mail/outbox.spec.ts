import { messageIdFor } from './outbox';

describe('outbox Message-ID', () => {
  it('is the same for every attempt of one entry, different between entries, and in the sender\'s domain', () => {
    const id = 'request:r_1:3:ann@example.test';
    const first = messageIdFor(id, 'Tandem <tandem@mail.example.org>');
    expect(first).toBe(messageIdFor(id, 'Tandem <tandem@mail.example.org>'));
    expect(first).toMatch(/^<[0-9a-f]{32}\.tandem@mail\.example\.org>$/);
    expect(messageIdFor('request:r_1:4:ann@example.test', 'Tandem <tandem@mail.example.org>')).not.toBe(first);
    expect(messageIdFor(id, 'tandem@plain.example')).toMatch(/@plain\.example>$/);
    expect(messageIdFor(id, 'no address here')).toMatch(/@tandem\.invalid>$/);
  });
});
