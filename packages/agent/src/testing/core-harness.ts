/**
 * A test harness for the agent core: a FakeClock, a scripted master over a MemoryChannelPair, a
 * fake containerizer and recording executor subscriptions — the whole task life cycle runs
 * deterministically in milliseconds.
 */
import { unwrap, type executor, type FrameworkInfo, type internal, type TaskInfo, type TaskStatus } from '@agora/protocol';
import { Resources } from '@agora/resources';
import { FakeClock, silentLogger } from '@agora/runtime';
import { FakeContainerizer } from '../containerizer/fake.ts';
import { AgentCore, type CoreConfig, type CoreDeps } from '../core/agent-core.ts';
import { executorMessage, executorUpdate, subscribe, subscriptionClosed } from '../core/executor-lifecycle.ts';
import type { ExecutorSink } from '../core/model.ts';
import { NO_SANDBOXES, SandboxLayout } from '../core/sandbox.ts';
import { sequentialIds, type IdSource } from '../ids.ts';
import { MasterLink } from '../master/link.ts';
import { flush, ScriptedMaster } from './scripted-master.ts';

export class RecordingSink implements ExecutorSink {
  readonly events: executor.Event[] = [];
  closed = false;
  private closeFns: Array<() => void> = [];
  send(e: executor.Event): void {
    if (!this.closed) this.events.push(JSON.parse(JSON.stringify(e)) as executor.Event);
  }
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const fn of this.closeFns.splice(0)) fn();
  }
  onClose(fn: () => void): void {
    this.closeFns.push(fn);
  }
  types(): string[] {
    return this.events.map((e) => e.type ?? '?');
  }
}

export const FRAMEWORK: FrameworkInfo = { user: 'root', name: 'test', id: { value: 'fw-1' }, failover_timeout: 0, checkpoint: false };

/** Parses resource text that is known to be valid. */
export const res = (text: string): Resources => unwrap(Resources.parse(text));

export const commandTask = (id: string, value = 'sleep 100', extra: Partial<TaskInfo> = {}): TaskInfo => ({
  name: id, task_id: { value: id }, agent_id: { value: 'S1' }, command: { shell: true, value }, resources: res('cpus:0.1;mem:32').toProto(), ...extra,
});

export const customTask = (id: string, executorId: string): TaskInfo => ({
  name: id, task_id: { value: id }, agent_id: { value: 'S1' },
  executor: { executor_id: { value: executorId }, command: { shell: true, value: 'my-executor' }, type: 'CUSTOM' },
});

export function coreConfig(overrides: Partial<CoreConfig> = {}): CoreConfig {
  return {
    hostname: 'agent1', endpoint: '127.0.0.1:5051', port: 5051,
    resources: res('cpus:4;mem:4096;disk:10000;ports:[31000-32000]'),
    attributes: [], executorRegistrationTimeoutMs: 60_000, executorShutdownGracePeriodMs: 5_000,
    executorReregistrationTimeout: '2secs', recoveryTimeout: '15mins', statusUpdateRetryMinMs: 10_000, statusUpdateRetryMaxMs: 600_000,
    maxCompletedExecutorsPerFramework: 150, gcDelayMs: 7 * 24 * 3600_000, switchUser: false, hasDefaultExecutor: false,
    commandExecutorPath: '/launcher/agora-command-executor', ...overrides,
  };
}

export class CoreHarness {
  readonly clock = new FakeClock();
  readonly master = new ScriptedMaster(this.clock);
  readonly containerizer = new FakeContainerizer();
  readonly core: AgentCore;
  readonly link: MasterLink;
  readonly ids: IdSource;

  constructor(config: Partial<CoreConfig> = {}, deps: Partial<CoreDeps> = {}) {
    this.ids = deps.ids ?? sequentialIds();
    this.core = new AgentCore(coreConfig(config), {
      clock: this.clock, ids: this.ids, logger: silentLogger, containerizer: this.containerizer,
      layout: new SandboxLayout('/work'), sandboxes: NO_SANDBOXES, ...deps,
    });
    this.link = new MasterLink({ connect: this.master.connect, clock: this.clock, logger: silentLogger, backoffFactorMs: 1000, random: () => 0, handlers: this.core.masterHandlers });
    this.core.attachMaster(this.link);
  }

  async start(): Promise<void> {
    this.link.start();
    await this.settle();
  }

  async settle(): Promise<void> {
    for (let i = 0; i < 6; i++) {
      await flush();
      this.clock.advance(0);
    }
  }

  async advance(ms: number): Promise<void> {
    this.clock.advance(ms);
    await this.settle();
  }

  async send(msg: internal.MasterMessage): Promise<void> {
    this.master.send(msg);
    await this.settle();
  }

  runTask(task: TaskInfo, framework: FrameworkInfo = FRAMEWORK): Promise<void> {
    return this.send({ type: 'RUN_TASK', run_task: { framework, task } });
  }

  executor(executorId: string, frameworkId = 'fw-1') {
    return this.core.frameworks.get(frameworkId)?.executors.get(executorId);
  }

  /** Subscribes an executor the way the HTTP layer would; returns its event sink. */
  async subscribe(executorId: string, sub: executor.Subscribe = {}, frameworkId = 'fw-1'): Promise<RecordingSink> {
    const fw = this.core.frameworks.get(frameworkId)!;
    const ex = fw.executors.get(executorId)!;
    const sink = new RecordingSink();
    sink.onClose(() => subscriptionClosed(ex, sink));
    subscribe(this.core, fw, ex, sub, sink);
    await this.settle();
    return sink;
  }

  status(taskId: string, state: TaskStatus['state'], executorId?: string): TaskStatus {
    return { task_id: { value: taskId }, state, source: 'SOURCE_EXECUTOR', uuid: this.ids.uuid(), ...(executorId ? { executor_id: { value: executorId } } : {}) };
  }

  async update(executorId: string, status: TaskStatus, frameworkId = 'fw-1'): Promise<void> {
    const fw = this.core.frameworks.get(frameworkId)!;
    executorUpdate(this.core, fw, fw.executors.get(executorId)!, status);
    await this.settle();
  }

  async message(executorId: string, data: string, frameworkId = 'fw-1'): Promise<void> {
    const fw = this.core.frameworks.get(frameworkId)!;
    executorMessage(this.core, fw, fw.executors.get(executorId)!, data);
    await this.settle();
  }

  /** The agent-side updates the master has seen, as `task:STATE[:REASON]`. */
  updates(withReason = false): string[] {
    return this.master.of('STATUS_UPDATE').map((m) => {
      const s = m.status_update!.update.status;
      return `${s.task_id.value}:${s.state}${withReason && s.reason ? `:${s.reason}` : ''}`;
    });
  }
}
