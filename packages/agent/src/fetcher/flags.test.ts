/** The `--fetcher-*` flags (Mesos's names, stout byte sizes and durations) and byte sizes. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { unwrap } from '@agora/protocol';
import { parseFlags } from '@agora/runtime';
import { compileConfig } from '../config.ts';
import { AGENT_FLAGS } from '../flags.ts';
import { formatBytes, parseBytes } from './bytes.ts';

const compile = (argv: string[]) => {
  const parsed = parseFlags(AGENT_FLAGS, ['--master=127.0.0.1:5050', '--work-dir=/tmp/agora-w', ...argv]);
  if (!parsed.ok) return parsed.error;
  const r = compileConfig(parsed.value.options);
  return r.ok ? r.value.fetcher : r.error;
};

test('fetcher defaults are Mesos’s (2GB cache, 1mins stall) and the cache lives under the work dir', () => {
  assert.deepEqual(compile([]), { cacheSize: 2 * 1024 ** 3, cacheDir: '/tmp/agora-w/fetch', stallTimeoutMs: 60_000, maxSize: 4 * 1024 ** 3, pluginModules: [] });
});

test('fetcher flags take dashes or underscores; errors name the flag', () => {
  assert.deepEqual(compile(['--fetcher_cache_size=512MB', '--fetcher-cache-dir=/var/cache/f', '--fetcher_stall_timeout=30secs', '--fetcher-max-size=1GB', '--fetcher-plugins=/a.mjs,/b.mjs']), {
    cacheSize: 512 * 1024 ** 2,
    cacheDir: '/var/cache/f',
    stallTimeoutMs: 30_000,
    maxSize: 1024 ** 3,
    pluginModules: ['/a.mjs', '/b.mjs'],
  });
  assert.equal((compile(['--fetcher-cache-size=0']) as { cacheSize: number }).cacheSize, 0);
  assert.match(String(compile(['--fetcher-cache-size=lots'])), /^--fetcher-cache-size: 'lots' is not a byte size/);
  assert.match(String(compile(['--fetcher-cache-size=2XB'])), /^--fetcher-cache-size: unknown byte unit 'XB'/);
  assert.match(String(compile(['--fetcher-max-size=0'])), /^--fetcher-max-size: must be at least 1 bytes/);
  assert.match(String(compile(['--fetcher-stall-timeout=soon'])), /^--fetcher-stall-timeout: /);
  assert.match(String(compile(['--fetcher-stall-timeout=0secs'])), /^--fetcher-stall-timeout: must be at least 1ms/);
});

test('byte sizes parse and print as stout writes them', () => {
  assert.deepEqual(['10B', '100KB', '1.5MB', '2GB', '1TB', '1048576', ' 3 mb '].map((t) => unwrap(parseBytes(t))), [10, 102_400, 1_572_864, 2 * 1024 ** 3, 1024 ** 4, 1_048_576, 3 * 1024 ** 2]);
  assert.ok(!parseBytes('-1MB').ok);
  assert.ok(!parseBytes('99999999999TB').ok);
  assert.deepEqual([0, 300, 1024, 1536, 2 * 1024 ** 3, 4096].map(formatBytes), ['0B', '300B', '1KB', '1.5KB', '2GB', '4KB']);
});
