import { test } from 'node:test';
import assert from 'node:assert/strict';
import { err, ok } from '@agora/protocol';
import { formatHelp, parseFlags } from './flags.ts';

const table = {
  port: { type: 'int', default: 5050, help: 'Port to listen on', min: 1, max: 65535 },
  'allocation-interval': { type: 'custom', default: 1000, help: 'Allocation interval', parse: (t: string) => (/^\d+ms$/.test(t) ? ok(parseInt(t)) : err(`bad duration '${t}'`)) },
  quiet: { type: 'bool', default: false, help: 'Less output' },
  roles: { type: 'list', default: [] as string[], help: 'Roles' },
  'work-dir': { type: 'string', help: 'Work dir', env: 'AGORA_WORK_DIR' },
} as const;

test('parses every spelling and fills defaults', () => {
  const r = parseFlags(table, ['--port', '6000', '--allocation_interval=250ms', '--quiet', '--roles=a,b', 'extra']);
  assert.ok(r.ok);
  if (!r.ok) return;
  assert.equal(r.value.options.port, 6000);
  assert.equal(r.value.options.allocationInterval, 250);
  assert.equal(r.value.options.quiet, true);
  assert.deepEqual(r.value.options.roles, ['a', 'b']);
  assert.equal(r.value.options.workDir, undefined);
  assert.deepEqual(r.value.positional, ['extra']);
});

test('errors name the flag', () => {
  const bad = (argv: string[]) => {
    const r = parseFlags(table, argv);
    return r.ok ? 'ok' : r.error;
  };
  assert.equal(bad(['--port=abc']), "--port: expected an integer, got 'abc'");
  assert.equal(bad(['--port=70000']), '--port: must be at most 65535, got 70000');
  assert.equal(bad(['--allocation-interval=1h']), "--allocation-interval: bad duration '1h'");
  assert.equal(bad(['--nope']), 'unknown flag --nope (see --help)');
  assert.equal(bad(['--port']), '--port: missing value');
});

test('environment fallback and --no-bool', () => {
  const r = parseFlags(table, ['--no-quiet'], { AGORA_WORK_DIR: '/tmp/w' });
  assert.ok(r.ok && r.value.options.workDir === '/tmp/w' && r.value.options.quiet === false);
});

test('help lists flags with defaults', () => {
  const h = formatHelp('usage: agora master [flags]', table);
  assert.match(h, /--port=INT\s+Port to listen on \(default: 5050\)/);
  assert.match(h, /env: AGORA_WORK_DIR/);
});
