import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { REJECTION_CODES } from '../../src/domain/common/rejection-codes';

const root = join(__dirname, '..', '..');
const doc = readFileSync(join(root, 'docs', 'rules.md'), 'utf8');

function specSources(dir: string): string {
  return readdirSync(dir).map((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return specSources(p);
    return name.endsWith('.spec.ts') ? readFileSync(p, 'utf8') : '';
  }).join('\n');
}

describe('docs/rules.md', () => {
  const section = doc.split('## Rejection codes')[1] ?? '';
  const documented = Object.fromEntries([...section.matchAll(/^\| `([A-Z_]+)` \| (.+) \|$/gm)].map((m) => [m[1], m[2]]));

  test('DOC-1 every rejection code is documented with its meaning, and nothing else is', () => {
    expect(Object.keys(documented).sort()).toEqual(Object.keys(REJECTION_CODES).sort());
    for (const [code, meaning] of Object.entries(REJECTION_CODES)) expect(documented[code]).toBe(meaning);
  });

  test('DOC-2 every rule row names a test that exists and a known rejection code', () => {
    const sources = specSources(join(root, 'src')) + specSources(join(root, 'test', 'property'));
    const rules = doc.split('## Rules')[1].split('## ')[0];
    const rows = [...rules.matchAll(/^\| ([A-Z]+(?:-[A-Z]+)*-\d+) \| .* \| (.*) \| `\1` in `([^`]+)` \|$/gm)];
    expect(rows.length).toBeGreaterThan(150);
    for (const [, id, codes] of rows) {
      expect(sources).toMatch(new RegExp(`(id: '${id}'|test\\('${id} )`));
      for (const code of [...codes.matchAll(/`([A-Z_]+)`/g)].map((m) => m[1])) expect(Object.keys(REJECTION_CODES)).toContain(code);
    }
    const used = new Set([...sources.matchAll(/rejects: '([A-Z_]+)'/g)].map((m) => m[1]));
    for (const code of used) expect(rules).toContain(`\`${code}\``);
  });
});
