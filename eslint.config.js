// ESLint flat config. The import-boundary table below is the enforced form of DESIGN.md §3:
// layers point one way, packages are used only through their public entry (no deep imports),
// and the pure core (protocol, resources, allocator) touches neither Node APIs nor the clock.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

/** package dir → the @agora packages it may import (by public entry only). */
const LAYERS = {
  'packages/protocol': [],
  'packages/resources': ['protocol'],
  'packages/allocator': ['protocol', 'resources'],
  'packages/runtime': ['protocol'],
  'packages/state': ['protocol', 'runtime'],
  'packages/sdk': ['protocol', 'resources', 'runtime', 'state'],
  'packages/executors': ['protocol', 'resources', 'runtime', 'sdk'],
  'packages/master': ['protocol', 'resources', 'allocator', 'runtime', 'state'],
  'packages/agent': ['protocol', 'resources', 'runtime', 'state'],
  'frameworks/services': ['protocol', 'resources', 'runtime', 'sdk', 'state'],
  'frameworks/cron': ['protocol', 'resources', 'runtime', 'sdk', 'state'],
  // The examples show what a framework author writes: the SDK (which re-exports the wire types) only.
  'frameworks/examples': ['sdk'],
  'apps/webui': ['protocol'],
  // The CLI starts daemons through their packages' public entry points only.
  'apps/cli': ['protocol', 'resources', 'runtime', 'sdk', 'state', 'master', 'agent', 'executors', 'services', 'cron'],
};
const ALL = ['protocol', 'resources', 'allocator', 'runtime', 'state', 'sdk', 'executors', 'master', 'agent', 'services', 'cron', 'examples', 'cli', 'webui'];
const PURE = ['packages/protocol', 'packages/resources', 'packages/allocator'];

function boundaryRules(dir, allowed) {
  const forbidden = ALL.filter((p) => !allowed.includes(p) && !dir.endsWith('/' + p));
  const patterns = [
    { group: ['@agora/*/*'], message: 'Import @agora packages through their public entry only (no deep imports).' },
    { group: ['../../*/src/*', '../../../*/src/*', '../../../../*/src/*'], message: 'Do not reach into another package by relative path; import its public entry.' },
  ];
  if (forbidden.length) {
    patterns.push({ group: forbidden.map((p) => `@agora/${p}`), message: `${dir} may import only: ${allowed.join(', ') || '(no @agora packages)'} (DESIGN.md §3).` });
  }
  if (PURE.includes(dir)) {
    patterns.push({ group: ['node:*', 'fs', 'http', 'net', 'child_process', 'os', 'crypto'], message: 'The pure core does no I/O: no Node built-ins.' });
  }
  return {
    files: [`${dir}/**/*.ts`],
    ignores: [`${dir}/**/*.test.ts`, `${dir}/**/*.conformance.ts`],
    rules: {
      'no-restricted-imports': ['error', { patterns }],
      ...(PURE.includes(dir)
        ? {
            'no-restricted-globals': ['error',
              { name: 'process', message: 'The pure core has no process access.' },
              { name: 'Buffer', message: 'The pure core must run in browsers too; use Uint8Array.' },
              { name: 'setTimeout', message: 'Timers belong to the shell; the core takes `now` as input.' },
              { name: 'setInterval', message: 'Timers belong to the shell; the core takes `now` as input.' },
            ],
            'no-restricted-properties': ['error',
              { object: 'Date', property: 'now', message: 'Inject the clock (`now`) instead.' },
              { object: 'Math', property: 'random', message: 'Inject a seeded RNG instead.' },
            ],
          }
        : {}),
    },
  };
}

export default tseslint.config(
  { ignores: ['**/node_modules/**', '**/dist/**', 'apps/webui/build/**', '.agora/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node }, ecmaVersion: 2023, sourceType: 'module' },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
  ...Object.entries(LAYERS).map(([dir, allowed]) => boundaryRules(dir, allowed)),
);
