/**
 * The executor of an emulated agent: no process, no HTTP. It subscribes to the core directly and
 * answers events the way a command executor would, through the same code paths as a real one
 * (subscribe, executorUpdate): LAUNCH → TASK_STARTING then TASK_RUNNING; KILL → TASK_KILLED;
 * SHUTDOWN → TASK_KILLED for what still runs, then its container exits. Once a command
 * executor's task is terminal and acknowledged, it exits like the real one.
 *
 * Events are handled on a microtask, never inside the core's call that sent them (no re-entrance).
 */
import type { executor, TaskStatus } from '@agora/protocol';
import type { ContainerLaunch } from '../containerizer/containerizer.ts';
import type { FakeContainerizer } from '../containerizer/fake.ts';
import type { AgentCore } from '../core/agent-core.ts';
import { executorUpdate, subscribe, subscriptionClosed } from '../core/executor-lifecycle.ts';
import type { ExecutorRecord, ExecutorSink, FrameworkRecord } from '../core/model.ts';

class EmulatedExecutor implements ExecutorSink {
  closed = false;
  private readonly active = new Set<string>();
  private readonly terminalUuids = new Set<string>();
  private exited = false;

  constructor(
    private readonly core: AgentCore,
    private readonly fw: FrameworkRecord,
    private readonly ex: ExecutorRecord,
    private readonly containers: FakeContainerizer,
  ) {}

  send(event: executor.Event): void {
    if (this.closed) return;
    queueMicrotask(() => this.core.guard('emulated executor', () => this.handle(event)));
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    subscriptionClosed(this.ex, this);
  }

  private update(taskId: string, state: TaskStatus['state']): void {
    const uuid = this.core.deps.ids.uuid();
    if (state === 'TASK_KILLED' || state === 'TASK_FINISHED' || state === 'TASK_FAILED') {
      this.active.delete(taskId);
      this.terminalUuids.add(uuid);
    }
    executorUpdate(this.core, this.fw, this.ex, {
      task_id: { value: taskId }, state, source: 'SOURCE_EXECUTOR', uuid, timestamp: this.core.now / 1000, executor_id: { value: this.ex.id },
    });
  }

  private start(taskIds: string[]): void {
    for (const id of taskIds) this.active.add(id);
    for (const id of taskIds) this.update(id, 'TASK_STARTING');
    for (const id of taskIds) this.update(id, 'TASK_RUNNING');
  }

  private exit(): void {
    if (this.exited) return;
    this.exited = true;
    this.close();
    this.containers.exit(this.ex.containerId, 0, 'Executor exited');
  }

  private handle(e: executor.Event): void {
    if (this.exited) return;
    switch (e.type) {
      case 'LAUNCH':
        return this.start([e.launch!.task.task_id.value]);
      case 'LAUNCH_GROUP':
        return this.start((e.launch_group!.task_group.tasks ?? []).map((t) => t.task_id.value));
      case 'KILL':
        if (this.active.has(e.kill!.task_id.value)) this.update(e.kill!.task_id.value, 'TASK_KILLED');
        return;
      case 'SHUTDOWN':
        for (const id of [...this.active]) this.update(id, 'TASK_KILLED');
        return this.exit();
      case 'ACKNOWLEDGED':
        if (this.terminalUuids.delete(e.acknowledged!.uuid) && this.active.size === 0 && this.ex.kind === 'command') this.exit();
        return;
      default:
        return;
    }
  }
}

/** Starts the emulated executor of a container the fake containerizer just launched. */
export function startEmulatedExecutor(core: AgentCore, launch: ContainerLaunch, containers: FakeContainerizer): void {
  queueMicrotask(() => {
    const fw = core.frameworks.get(launch.frameworkId);
    const ex = fw?.executors.get(launch.executorId);
    if (!fw || !ex || ex.containerId !== launch.containerId) return;
    core.guard('emulated executor subscribe', () => subscribe(core, fw, ex, {}, new EmulatedExecutor(core, fw, ex, containers)));
  });
}
