// ESLint (flat config) with typescript-eslint, plus the import boundaries of conventions.md §1:
// dependencies point inward only; src/domain imports nothing with effects.
const js = require('@eslint/js');
const tseslint = require('typescript-eslint');

const addonOnly = { group: ['**/*.node', '**/build/Release/*'], message: 'only src/native/index.ts loads the addon.' };
const restrict = (patterns) => ['error', { patterns: [...patterns, addonOnly] }];

module.exports = tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'build/', 'web/dist/', 'coverage/', 'test/artifacts/', 'bench/out/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/no-require-imports': 'off',
    },
  },
  {
    files: ['**/*.js'],
    languageOptions: { sourceType: 'commonjs', globals: { require: 'readonly', module: 'writable', process: 'readonly', console: 'readonly', __dirname: 'readonly', Buffer: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', performance: 'readonly' } },
  },
  {
    files: ['web/**/*.js', 'web/**/*.ts'],
    languageOptions: { sourceType: 'module', globals: { window: 'readonly', document: 'readonly', console: 'readonly', WebSocket: 'readonly', fetch: 'readonly', localStorage: 'readonly', sessionStorage: 'readonly', location: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', performance: 'readonly', requestAnimationFrame: 'readonly' } },
  },
  {
    files: ['src/**/*.ts'],
    ignores: ['src/native/**'],
    rules: {
      'no-restricted-imports': restrict([]),
    },
  },
  {
    files: ['src/domain/**/*.ts'],
    rules: {
      'no-restricted-imports': restrict([
        { group: ['@nestjs/*', 'ws', 'ioredis', 'rxjs', 'node:*', 'fs', 'crypto', 'net', 'http'], message: 'src/domain is pure: no I/O, no Nest, no Redis.' },
        { group: ['../../actors/*', '../../cluster/*', '../../gateways/*', '../../media/*', '../../agent/*', '../../native/*', '../../auth/*', '../../config/*'], message: 'src/domain depends on nothing else in src/.' },
      ]),
      'no-restricted-globals': ['error', { name: 'Date', message: 'time comes in as an argument (now)' }, { name: 'setTimeout', message: 'no timers in the domain' }, { name: 'setInterval', message: 'no timers in the domain' }],
      'no-restricted-properties': ['error', { object: 'Math', property: 'random', message: 'randomness comes in through the command' }],
    },
  },
  {
    files: ['src/cluster/**/*.ts', 'src/actors/**/*.ts'],
    rules: {
      'no-restricted-imports': restrict([{ group: ['../gateways/*', '../../gateways/*', '@nestjs/websockets', '../media/*', '../agent/*'], message: 'actors and cluster do not know about gateways, media or the agent.' }]),
    },
  },
  {
    files: ['**/*.spec.ts', '**/*.e2e-spec.ts', 'test/**/*.ts', 'bench/**/*'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off', '@typescript-eslint/no-explicit-any': 'off' },
  },
);
