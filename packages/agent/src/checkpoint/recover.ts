/**
 * Recovery at agent start (`--recover=reconnect|cleanup`, `--strict`): read the checkpoints, then
 *
 *  - nothing checkpointed: a fresh agent (REGISTER_AGENT);
 *  - reconnect (the default): the core gets its agent ID, frameworks, executors, tasks and
 *    unacknowledged updates back (core/recovery.ts), the containers still running are
 *    re-attached — none after a reboot (a different boot ID: every process is gone, and a PID
 *    seen now belongs to someone else) — and the agent re-registers (REREGISTER_AGENT);
 *  - cleanup: the containers still running are destroyed, the checkpoints removed, and the agent
 *    registers anew (the master then removes its previous incarnation, whose tasks are lost with
 *    REASON_AGENT_RESTARTED). Mesos's agent exits after such a cleanup instead.
 *
 * Strict: a corrupt checkpoint is an error and the agent does not start. Non-strict: what is
 * corrupt is skipped (and logged), the rest is recovered.
 */
import { err, ok, type Result } from '@agora/protocol';
import type { Logger } from '@agora/runtime';
import type { Containerizer, RecoverSpec } from '../containerizer/containerizer.ts';
import type { AgentCore } from '../core/agent-core.ts';
import { reattach, recoverSpecs, restore } from '../core/recovery.ts';
import type { Checkpointer } from './checkpointer.ts';
import { removeTree } from './files.ts';
import type { MetaLayout } from './paths.ts';
import { readCheckpoint, type RecoveredState } from './reader.ts';

export type RecoverMode = 'reconnect' | 'cleanup';

export interface RecoverOptions {
  core: AgentCore;
  checkpointer: Checkpointer;
  layout: MetaLayout;
  /** The containerizer that can re-attach (the routing one). */
  containerizer: Pick<Containerizer, 'recover' | 'destroy'>;
  mode: RecoverMode;
  strict: boolean;
  bootId: string | undefined;
  logger: Logger;
}

export interface RecoverOutcome {
  /** The agent ID recovered (reconnect), if any. */
  agentId: string | undefined;
  /** The port the previous agent listened on (executors know the agent by it). */
  port: number | undefined;
  rebooted: boolean;
  adopted: number;
  ended: number;
  tasks: number;
  pendingUpdates: number;
  problems: string[];
}

const runsOf = (state: RecoveredState) =>
  state.frameworks.flatMap((f) => f.executors.flatMap((e) => (e.run ? [{ kind: e.run.info.kind, run: e.run }] : [])));

export async function recoverAgent(o: RecoverOptions): Promise<Result<RecoverOutcome, string>> {
  const read = readCheckpoint(o.layout, { strict: o.strict });
  if (!read.ok) return err(`cannot recover from the checkpoints in ${o.layout.metaDir}: ${read.error} (start with --strict=false to recover what is readable, or --recover=cleanup)`);
  const { state, problems, incomplete } = read.value;
  for (const p of problems) o.logger.error({ problem: p }, 'skipping a corrupt checkpoint (--strict=false)');
  for (const p of incomplete) o.logger.warn({ piece: p }, 'leaving out a checkpoint the previous agent did not finish writing or removing');
  const outcome: RecoverOutcome = { agentId: undefined, port: undefined, rebooted: false, adopted: 0, ended: 0, tasks: 0, pendingUpdates: 0, problems };
  if (!state) return ok(outcome);
  outcome.rebooted = state.bootId !== undefined && o.bootId !== undefined && state.bootId !== o.bootId;
  if (outcome.rebooted) o.logger.warn({ previous: state.bootId, now: o.bootId }, 'the host rebooted since the checkpoints were written: no executor survived');

  if (o.mode === 'cleanup') {
    const specs: RecoverSpec[] = runsOf(state).map(({ kind, run }) => ({
      containerId: run.containerId, kind,
      ...(run.info.launcher !== undefined ? { launcher: run.info.launcher } : {}),
      ...(run.pid !== undefined ? { pid: run.pid } : {}),
      ...(run.starttime !== undefined ? { starttime: run.starttime } : {}),
    }));
    const alive = outcome.rebooted || !o.containerizer.recover ? new Set<string>() : await o.containerizer.recover(specs);
    await Promise.all([...alive].map((id) => o.containerizer.destroy(id)));
    const removed = removeTree(o.layout.metaDir);
    if (!removed.ok) return err(`--recover=cleanup: ${removed.error}`);
    o.logger.info({ destroyed: alive.size, agentId: state.agentId }, 'cleaned up the previous agent\'s executors and checkpoints (--recover=cleanup)');
    return ok(outcome);
  }

  o.checkpointer.setAgentId(state.agentId);
  o.core.checkpointedResources = state.resources;
  const summary = restore(o.core, state);
  for (const f of state.frameworks) if (!o.core.frameworks.has(f.info.id!.value)) o.checkpointer.frameworkRemoved(f.info.id!.value);
  const runs = new Map(runsOf(state).map(({ run }) => [run.containerId, { ...(run.info.launcher !== undefined ? { launcher: run.info.launcher } : {}), ...(run.starttime !== undefined ? { starttime: run.starttime } : {}) }]));
  const specs = recoverSpecs(o.core, runs);
  const alive = outcome.rebooted || !o.containerizer.recover || specs.length === 0 ? new Set<string>() : await o.containerizer.recover(specs);
  const r = reattach(o.core, alive);
  Object.assign(outcome, { agentId: state.agentId, port: state.agentInfo.port, adopted: r.adopted, ended: r.ended, tasks: summary.tasks, pendingUpdates: summary.pendingUpdates });
  o.logger.info({ agentId: state.agentId, frameworks: summary.frameworks, executors: summary.executors, adopted: r.adopted, ended: r.ended, tasks: summary.tasks, pendingUpdates: summary.pendingUpdates }, 'recovered from the checkpoints');
  return ok(outcome);
}
