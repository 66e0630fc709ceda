/**
 * The checkpoint layout under `<work_dir>/meta`, as Mesos's src/slave/paths.cpp:
 *
 *   meta/boot_id                                              the boot the checkpoints were written in
 *   meta/resources/resources.info                             checkpointed resources (Mesos: resources_and_operations.state)
 *   meta/slaves/latest → <agent>                              the agent ID to recover
 *   meta/slaves/<agent>/slave.info                            AgentInfo (JSON)
 *     frameworks/<fw>/framework.info                          FrameworkInfo
 *       executors/<ex>/executor.info                          ExecutorInfo
 *         runs/latest → <container>
 *         runs/<container>/run.info                           Agora: {kind, launcher, starttime} of the container
 *                                                             (starttime: field 22 of /proc/<pid>/stat of the executor)
 *         runs/<container>/pids/forked.pid                    the executor's PID (decimal)
 *         runs/<container>/tasks/<task>/task.info             Task
 *         runs/<container>/tasks/<task>/task.updates          status update records (records.ts)
 *
 * Mesos stores protobufs; Agora stores the same messages as JSON. Every ID used as a path
 * component has passed `idProblem` before it gets here.
 */
import { join } from 'node:path';

export class MetaLayout {
  readonly metaDir: string;

  constructor(workDir: string) {
    this.metaDir = join(workDir, 'meta');
  }

  /** The resources the master asked this agent to checkpoint (reservations, volumes); JSON array. */
  resourcesFile(): string {
    return join(this.metaDir, 'resources', 'resources.info');
  }

  bootIdFile(): string {
    return join(this.metaDir, 'boot_id');
  }

  slavesDir(): string {
    return join(this.metaDir, 'slaves');
  }

  latestAgentLink(): string {
    return join(this.slavesDir(), 'latest');
  }

  agentDir(agentId: string): string {
    return join(this.slavesDir(), agentId);
  }

  agentInfoFile(agentId: string): string {
    return join(this.agentDir(agentId), 'slave.info');
  }

  frameworksDir(agentId: string): string {
    return join(this.agentDir(agentId), 'frameworks');
  }

  frameworkDir(agentId: string, frameworkId: string): string {
    return join(this.frameworksDir(agentId), frameworkId);
  }

  frameworkInfoFile(agentId: string, frameworkId: string): string {
    return join(this.frameworkDir(agentId, frameworkId), 'framework.info');
  }

  executorsDir(agentId: string, frameworkId: string): string {
    return join(this.frameworkDir(agentId, frameworkId), 'executors');
  }

  executorDir(agentId: string, frameworkId: string, executorId: string): string {
    return join(this.executorsDir(agentId, frameworkId), executorId);
  }

  executorInfoFile(agentId: string, frameworkId: string, executorId: string): string {
    return join(this.executorDir(agentId, frameworkId, executorId), 'executor.info');
  }

  runsDir(agentId: string, frameworkId: string, executorId: string): string {
    return join(this.executorDir(agentId, frameworkId, executorId), 'runs');
  }

  runDir(agentId: string, frameworkId: string, executorId: string, containerId: string): string {
    return join(this.runsDir(agentId, frameworkId, executorId), containerId);
  }

  runInfoFile(run: string): string {
    return join(run, 'run.info');
  }

  forkedPidFile(run: string): string {
    return join(run, 'pids', 'forked.pid');
  }

  tasksDir(run: string): string {
    return join(run, 'tasks');
  }

  taskDir(run: string, taskId: string): string {
    return join(this.tasksDir(run), taskId);
  }

  taskInfoFile(run: string, taskId: string): string {
    return join(this.taskDir(run, taskId), 'task.info');
  }

  taskUpdatesFile(run: string, taskId: string): string {
    return join(this.taskDir(run, taskId), 'task.updates');
  }
}

/** This boot's ID (Linux), or undefined where there is none. */
export const BOOT_ID_FILE = '/proc/sys/kernel/random/boot_id';
