import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { unwrap } from '@agora/protocol';
import { parseFlags, silentLogger, systemClock } from '@agora/runtime';
import { startAgent } from './agent.ts';
import { AGENT_FLAGS } from './flags.ts';
import { startTestAgent } from './testing/agent-harness.ts';
import { ScriptedMaster } from './testing/scripted-master.ts';

test('registers with the port it actually listens on, and the master can shut it down', async (t) => {
  const { agent, master, url } = await startTestAgent(t);
  const reg = master.of('REGISTER_AGENT')[0]!.register_agent!;
  assert.equal(String(reg.agent_info.port), new URL(url).port);
  assert.equal(reg.agent_info.hostname, '127.0.0.1');
  assert.deepEqual(reg.capabilities!.map((c) => c.type), ['MULTI_ROLE', 'HIERARCHICAL_ROLE', 'RESERVATION_REFINEMENT']);
  assert.ok(reg.agent_info.resources!.some((r) => r.name === 'cpus' && r.scalar?.value === 2));
  assert.equal(agent.agentId(), 'S1');
  master.send({ type: 'SHUTDOWN_AGENT', shutdown_agent: { message: 'decommissioned' } });
  assert.equal(await agent.shutdownByMaster, 'decommissioned');
  await agent.closed;
  await assert.rejects(fetch(`${url}/health`), 'the server is closed');
});

test('startup errors name the flag', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'agora-agent-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'file'), '');
  const start = (argv: string[]) => startAgent(unwrap(parseFlags(AGENT_FLAGS, ['--master=127.0.0.1:5050', '--port=0', ...argv])).options, { logger: silentLogger, connect: new ScriptedMaster(systemClock).connect });
  const notDir = await start([`--work-dir=${join(dir, 'file', 'sub')}`]);
  assert.ok(!notDir.ok && notDir.error.startsWith('--work-dir:'), notDir.ok ? '' : notDir.error);
  const busy = await startTestAgent(t);
  const port = new URL(busy.url).port;
  const taken = await start([`--work-dir=${join(dir, 'w')}`, `--port=${port}`]);
  assert.ok(!taken.ok && taken.error.startsWith('--port:'), taken.ok ? '' : taken.error);
});
