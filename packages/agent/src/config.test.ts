import { test } from 'node:test';
import assert from 'node:assert/strict';
import { unwrap } from '@agora/protocol';
import { parseFlags } from '@agora/runtime';
import { attributesToLegacyJSON, parseAttributes } from './attributes.ts';
import { compileConfig } from './config.ts';
import { AGENT_FLAGS } from './flags.ts';
import { parseMasterAddress } from './master/master-address.ts';
import { detectedText, totalResources } from './resource-detection.ts';
import { main } from './index.ts';

const GB = 1024 ** 3;
const options = (argv: string[]) => unwrap(parseFlags(AGENT_FLAGS, ['--master=127.0.0.1:5050', ...argv])).options;
const compile = (argv: string[]) => {
  const r = compileConfig(options(argv));
  return r.ok ? r.value : r.error;
};

test('defaults follow Mesos; flags accept dashes or underscores', () => {
  const c = compile(['--work_dir=/tmp/w', '--executor_shutdown_grace_period=3secs']);
  assert.ok(typeof c !== 'string');
  assert.equal(c.port, 5051);
  assert.equal(c.executorRegistrationTimeoutMs, 60_000);
  assert.equal(c.executorShutdownGracePeriodMs, 3000);
  assert.equal(c.gcDelayMs, 7 * 24 * 3600_000);
  assert.equal(c.gcDiskHeadroom, 0.1);
  assert.equal(c.registrationBackoffFactorMs, 1000);
  assert.equal(c.statusUpdateRetryMinMs, 10_000);
  assert.equal(c.statusUpdateRetryMaxMs, 600_000);
  assert.equal(c.commandExecutor, 'host');
  assert.equal(c.defaultExecutor, 'host');
  assert.equal(c.switchUser, true);
  assert.equal(c.hostname, '127.0.0.1');
  assert.equal(c.runtimeDir, '/tmp/w/run');
  assert.match(c.launcherDir, /packages\/executors\/bin$/);
  assert.equal(c.master.channelUrl, 'ws://127.0.0.1:5050/agora/v1/agent');
  assert.ok(c.flags.some((f) => f.name === 'executor_shutdown_grace_period' && f.value === '3secs'));
});

test('errors name the flag', () => {
  assert.equal(compileConfig({ ...options([]), master: undefined }).ok, false);
  assert.match(String(compile(['--master=zk://h:2181/'])), /^--master: invalid ZooKeeper URL/);
  assert.equal(unwrap(compileConfig(options(['--master=zk://h1:2181,h2/agora']))).master.zk, 'zk://h1:2181,h2/agora');
  assert.match(String(compile(['--gc-delay=1fortnight'])), /^--gc-delay: unknown duration unit/);
  assert.match(String(compile(['--executor-registration-timeout=0secs'])), /^--executor-registration-timeout: must be at least/);
  assert.match(String(compile(['--resources=cpus:-1'])), /^--resources: /);
  assert.match(String(compile(['--resources=cpus:1;cpus:{a}'])), /^--resources: /);
  assert.match(String(compile(['--attributes=rack'])), /^--attributes: /);
  assert.match(String(compile(['--ip=not-an-ip'])), /^--ip: /);
  assert.match(String(compile([`--runtime-dir=/tmp/${'x'.repeat(120)}`])), /^--runtime-dir: /);
  assert.match(String(compile(['--status-update-retry-min=10mins', '--status-update-retry-max=1mins'])), /^--status-update-retry-max/);
  const r = parseFlags(AGENT_FLAGS, ['--command-executor=docker']);
  assert.ok(!r.ok && r.error.startsWith('--command-executor'));
});

test('--master forms', () => {
  for (const [text, url] of [
    ['10.0.0.1:5050', 'ws://10.0.0.1:5050/agora/v1/agent'],
    ['http://m1:6000', 'ws://m1:6000/agora/v1/agent'],
    ['master@10.0.0.1:5050', 'ws://10.0.0.1:5050/agora/v1/agent'],
    ['m1', 'ws://m1:5050/agora/v1/agent'],
    ['[::1]:5050', 'ws://[::1]:5050/agora/v1/agent'],
    ['https://m1:443/', 'wss://m1:443/agora/v1/agent'],
  ] as const) {
    const r = parseMasterAddress(text);
    assert.ok(r.ok, text);
    assert.equal(r.value.channelUrl, url);
  }
  assert.ok(!parseMasterAddress('http://m1:5050/path').ok);
  assert.ok(!parseMasterAddress('m1:99999').ok);
});

test('resource detection as Mesos; --resources replaces per name', () => {
  assert.equal(detectedText({ cpus: 8, memBytes: 16 * GB, diskBytes: 100 * GB }), 'cpus:8;mem:15360;disk:97280;ports:[31000-32000]');
  assert.equal(detectedText({ cpus: 2, memBytes: 1 * GB, diskBytes: 8 * GB }), 'cpus:2;mem:512;disk:4096;ports:[31000-32000]');
  assert.equal(detectedText({ cpus: 0, memBytes: 0, diskBytes: undefined }), 'cpus:1;mem:1024;disk:10240;ports:[31000-32000]');
  const flag = unwrap(compileConfig(options(['--resources=cpus:2;gpus:1;ports:[5000-5010]']))).resourcesFlag;
  const total = unwrap(totalResources({ cpus: 8, memBytes: 16 * GB, diskBytes: 100 * GB }, flag, '*'));
  assert.equal(total.toString(), 'mem:15360; disk:97280; cpus:2; gpus:1; ports:[5000-5010]');
  const reserved = unwrap(totalResources({ cpus: 4, memBytes: 4 * GB, diskBytes: 20 * GB }, undefined, 'ads'));
  assert.equal(reserved.reserved('ads').scalar('cpus'), 4, '--default-role reserves detected resources');
});

test('attributes in Mesos syntax', () => {
  const a = unwrap(parseAttributes('rack:r1;zone:2;ports:[1-10,20-30];os:{debian,linux};weight:1.5'));
  assert.deepEqual(attributesToLegacyJSON(a), { rack: 'r1', zone: 2, ports: '[1-10, 20-30]', os: '{debian,linux}', weight: 1.5 });
  assert.equal(a[0]!.type, 'TEXT');
  assert.deepEqual(unwrap(parseAttributes('')), []);
  assert.ok(!parseAttributes('novalue:').ok);
  assert.ok(!parseAttributes(':x').ok);
  assert.ok(!parseAttributes('r:[5-1]').ok);
  assert.ok(!parseAttributes('r:a b').ok);
});

test('main: flag errors exit 2 naming the flag, startup errors exit 1', async () => {
  const stderr: string[] = [];
  const write = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((chunk: string) => (stderr.push(String(chunk)), true)) as typeof process.stderr.write;
  try {
    assert.equal(await main(['--port=abc']), 2);
    assert.equal(await main(['--master=file:///etc/master', '--work-dir=/tmp/agora-main-test']), 1);
  } finally {
    process.stderr.write = write;
  }
  assert.match(stderr.join(''), /--port: expected an integer/);
  assert.match(stderr.join(''), /--master: file:\/\/ master detection is not supported/);
});
