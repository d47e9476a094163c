import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { EVENTS_BEGIN, EVENTS_END, renderInboundEvents } from './protocol-doc';

describe('docs/protocol.md', () => {
  it('matches the inbound event table and its DTOs (run `npm run docs:protocol` after changing them)', () => {
    const doc = readFileSync(resolve(__dirname, '..', '..', 'docs', 'protocol.md'), 'utf8');
    const generated = doc.slice(doc.indexOf(EVENTS_BEGIN) + EVENTS_BEGIN.length, doc.indexOf(EVENTS_END)).trim();
    expect(generated).toBe(renderInboundEvents().trim());
  });
});
