import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ENV_OVERRIDES } from './env-overrides';

describe('docs/configuration.md', () => {
  it('documents every environment variable the loader reads', () => {
    const doc = readFileSync(resolve(__dirname, '..', '..', 'docs', 'configuration.md'), 'utf8');
    const missing = ENV_OVERRIDES.filter((o) => !doc.includes(`\`${o.env}\` | \`${o.key}\``)).map((o) => o.env);
    expect(missing).toEqual([]);
  });
});
