/**
 * Starts a real agent in-process for HTTP tests: port 0, a temporary work dir, a scripted master
 * (MemoryChannelPair on the system clock), the launcher fixtures. Everything is cleaned up by the
 * returned `close` (registered with the test's `after`): the agent's full shutdown, so that no
 * executor outlives the test, whether its framework checkpoints or not.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { unwrap, type internal } from '@agora/protocol';
import { parseFlags, silentLogger, systemClock } from '@agora/runtime';
import { startAgent, type AgentDeps, type AgentHandle } from '../agent.ts';
import { AGENT_FLAGS } from '../flags.ts';
import { flush, ScriptedMaster } from './scripted-master.ts';

export const FIXTURES = fileURLToPath(new URL('./fixtures', import.meta.url));
export const TEST_EXECUTOR = join(FIXTURES, 'test-executor.mjs');

export interface TestAgent {
  agent: AgentHandle;
  master: ScriptedMaster;
  url: string;
  workDir: string;
  close(): Promise<void>;
}

export async function startTestAgent(t: { after(fn: () => unknown): void }, argv: string[] = [], deps: AgentDeps = {}): Promise<TestAgent> {
  const workDir = mkdtempSync(join(tmpdir(), 'agora-agent-'));
  const master = new ScriptedMaster(systemClock);
  const parsed = unwrap(parseFlags(AGENT_FLAGS, ['--master=127.0.0.1:5050', '--port=0', `--work-dir=${workDir}`, `--launcher-dir=${join(FIXTURES, 'launcher')}`, '--resources=cpus:2;mem:1024;disk:1024', ...argv]));
  const started = await startAgent(parsed.options, { connect: master.connect, logger: silentLogger, random: () => 0, ...deps });
  if (!started.ok) throw new Error(started.error);
  const agent = started.value;
  await agent.registered();
  const close = async () => {
    await agent.shutdown();
    rmSync(workDir, { recursive: true, force: true });
  };
  t.after(close);
  return { agent, master, url: agent.url, workDir, close };
}

/** Waits (real time) until `cond` holds. */
export async function eventually(cond: () => boolean, ms = 10_000, what = 'condition'): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
    await flush();
  }
}

export const FRAMEWORK_INFO = { user: 'root', name: 'test', id: { value: 'fw-1' }, failover_timeout: 0, checkpoint: false };

export function runCustom(master: ScriptedMaster, taskId: string, executorId: string, command: string, extra: Record<string, unknown> = {}): void {
  const msg: internal.MasterMessage = {
    type: 'RUN_TASK',
    run_task: {
      framework: FRAMEWORK_INFO,
      task: { name: taskId, task_id: { value: taskId }, agent_id: { value: 'S1' }, executor: { executor_id: { value: executorId }, type: 'CUSTOM', command: { shell: true, value: command } }, ...extra },
    },
  };
  master.send(msg);
}
