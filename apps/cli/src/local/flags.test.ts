import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { FlagTable } from '@agora/runtime';
import { splitLocalArgs } from './flags.ts';

/** Shaped like the daemons' tables: shared names (ip, log-level) and ones only one side knows. */
const MASTER: FlagTable = {
  port: { type: 'int', default: 5050, help: '' },
  ip: { type: 'string', default: '127.0.0.1', help: '' },
  'work-dir': { type: 'string', help: '' },
  'allocation-interval': { type: 'custom', default: 1000, parse: () => ({ ok: true, value: 1 }), help: '' },
  'filter-gpu-resources': { type: 'bool', default: true, help: '' },
  roles: { type: 'list', default: [], help: '' },
  'log-level': { type: 'string', default: 'info', help: '' },
};
const AGENT: FlagTable = {
  master: { type: 'string', help: '' },
  port: { type: 'int', default: 5051, help: '' },
  ip: { type: 'string', default: '127.0.0.1', help: '' },
  'work-dir': { type: 'string', help: '' },
  'runtime-dir': { type: 'string', help: '' },
  resources: { type: 'string', help: '' },
  'switch-user': { type: 'bool', default: true, help: '' },
  'log-level': { type: 'string', default: 'info', help: '' },
};

const split = (argv: string[]) => splitLocalArgs(argv, MASTER, AGENT);

test('defaults', () => {
  const r = split([]);
  assert.ok(r.ok);
  assert.deepEqual(r.value, {
    options: { agents: 2, workDir: undefined, port: 5050, agentPort: 5051, json: false, ha: false, keep: false, help: false, timeoutMs: 60_000, stopTimeoutMs: 10_000, servicesPort: 8080, cronPort: 4400 },
    masterArgs: [],
    agentArgs: [],
  });
});

test('routing: master flags to the master, agent flags to the agents, shared flags to both', () => {
  const r = split([
    '--agents', '3', '--allocation_interval', '500ms', '--resources=cpus:2;mem:1024', '--ip', '127.0.0.2',
    '--log-level=debug', '--no-switch-user', '--filter-gpu-resources', '--roles=a,b', '--port=6000', '--work-dir', '/tmp/x', '--json',
  ]);
  assert.ok(r.ok, r.ok ? '' : r.error);
  assert.deepEqual(r.value.masterArgs, ['--allocation-interval=500ms', '--ip=127.0.0.2', '--log-level=debug', '--filter-gpu-resources=true', '--roles=a,b']);
  assert.deepEqual(r.value.agentArgs, ['--resources=cpus:2;mem:1024', '--ip=127.0.0.2', '--log-level=debug', '--switch-user=false']);
  assert.equal(r.value.options.agents, 3);
  assert.equal(r.value.options.port, 6000);
  assert.equal(r.value.options.agentPort, 6001);
  assert.equal(r.value.options.workDir, '/tmp/x');
  assert.equal(r.value.options.json, true);
});

test('local\'s own flags: timeouts, agent ports, --help, --ha', () => {
  const r = split(['--timeout', '2m', '--stop-timeout=500ms', '--agent-port', '7000', '--agents=0', '-h', '--ha', '--keep']);
  assert.ok(r.ok, r.ok ? '' : r.error);
  assert.equal(r.value.options.timeoutMs, 120_000);
  assert.equal(r.value.options.stopTimeoutMs, 500);
  assert.equal(r.value.options.agentPort, 7000);
  assert.equal(r.value.options.agents, 0);
  assert.equal(r.value.options.help, true);
  assert.equal(r.value.options.ha, true);
  assert.equal(r.value.options.keep, true);
});

test('errors name the flag', () => {
  const bad = (argv: string[]) => {
    const r = split(argv);
    return r.ok ? 'ok' : r.error;
  };
  assert.match(bad(['--frobnicate']), /unknown flag --frobnicate: not an agora local, master or agent flag/);
  assert.match(bad(['--master=http://x:5050']), /--master cannot be given to agora local: the agents are pointed at the local master/);
  assert.match(bad(['--runtime-dir', '/x']), /--runtime-dir cannot be given/);
  assert.match(bad(['--agents', 'many']), /--agents: expected an integer, got 'many'/);
  assert.match(bad(['--agents', '100']), /--agents: must be between 0 and 64/);
  assert.match(bad(['--resources']), /--resources: missing value/);
  assert.match(bad(['--no-resources']), /--no-resources: --resources is not a boolean flag/);
  assert.match(bad(['extra']), /unexpected argument 'extra'/);
  assert.match(bad(['--port', '5050', '--agent-port', '5049', '--agents', '2']), /include the master's port 5050/);
  assert.match(bad(['--timeout', 'forever']), /--timeout: 'forever' is not a duration/);
});

test('--services-port and --cron-port move or (0) leave out the frameworks', () => {
  const r = split(['--services-port', '18080', '--cron-port=0']);
  assert.ok(r.ok);
  assert.equal(r.value.options.servicesPort, 18080);
  assert.equal(r.value.options.cronPort, 0);
  const bad = split(['--cron-port', 'x']);
  assert.ok(!bad.ok);
  assert.match(bad.error, /--cron-port: expected an integer/);
});
