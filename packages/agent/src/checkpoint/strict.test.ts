/** `--strict` at agent start, in-process: a corrupt checkpoint stops the agent, or is skipped. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { unwrap } from '@agora/protocol';
import { parseFlags, silentLogger, systemClock } from '@agora/runtime';
import { startAgent } from '../agent.ts';
import { AGENT_FLAGS } from '../flags.ts';
import { FIXTURES } from '../testing/agent-harness.ts';
import { ScriptedMaster } from '../testing/scripted-master.ts';
import { Checkpointer } from './checkpointer.ts';
import { MetaLayout } from './paths.ts';

function corruptWorkDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'agora-strict-'));
  const layout = new MetaLayout(dir);
  const cp = new Checkpointer(layout, silentLogger);
  cp.agentRegistered({ id: { value: 'S7' }, hostname: '127.0.0.1', port: 0 });
  cp.executorCreated(
    { id: { value: 'fw-1' }, name: 'f', user: 'root', checkpoint: true, failover_timeout: 0 },
    { executor_id: { value: 'e1' }, command: { shell: true, value: 'sleep 1' } },
    { frameworkId: 'fw-1', executorId: 'e1', containerId: 'c1' },
    'custom',
  );
  writeFileSync(layout.executorInfoFile('S7', 'fw-1', 'e1'), '{"executor_id":');
  return dir;
}

const start = (dir: string, master: ScriptedMaster, extra: string[]) =>
  startAgent(unwrap(parseFlags(AGENT_FLAGS, ['--master=127.0.0.1:5050', '--port=0', `--work-dir=${dir}`, `--launcher-dir=${join(FIXTURES, 'launcher')}`, '--resources=cpus:1;mem:256;disk:256', ...extra])).options, {
    connect: master.connect, logger: silentLogger, random: () => 0,
  });

test('--strict (the default): a corrupt checkpoint is an error naming the file; the agent does not start', async (t) => {
  const dir = corruptWorkDir();
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const r = await start(dir, new ScriptedMaster(systemClock), []);
  assert.ok(!r.ok);
  assert.match(r.error, /^--strict: cannot recover from the checkpoints/);
  assert.ok(r.error.includes(join('executors', 'e1', 'executor.info')), r.error);
});

test('--strict=false: what is corrupt is skipped and the agent re-registers under its ID', async (t) => {
  const dir = corruptWorkDir();
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const master = new ScriptedMaster(systemClock);
  const r = await start(dir, master, ['--strict=false']);
  assert.ok(r.ok, r.ok ? '' : r.error);
  t.after(() => r.value.close());
  assert.equal(await r.value.registered(), 'S7');
  const rereg = master.of('REREGISTER_AGENT')[0]!.reregister_agent!;
  assert.equal(rereg.agent_info.id!.value, 'S7');
  assert.deepEqual(rereg.tasks ?? [], [], 'the executor with the corrupt checkpoint is not recovered');
});
