/**
 * A run → the command task that carries it out. Chronos semantics: `shell: true` runs `command`
 * with /bin/sh -c and ignores `arguments`; `shell: false` execs `command` with `arguments` and then
 * the run's own arguments (run now with `?arguments=`). The task sees its occurrence in its
 * environment (CHRONOS_JOB_NAME, …, AGORA_CRON_SCHEDULED_MS) so it can log or deduplicate.
 * A job with a container runs from its image under the agent's unified containerizer (Chronos's
 * DOCKER and MESOS types alike; job/container.ts), with its volumes.
 */
import { imageContainer, type CommandTaskSpec } from '@agora/sdk';
import type { JobSpec } from '../job/model.ts';
import type { Run } from '../plan/run.ts';

export function taskSpecFor(job: JobSpec, run: Run, defaultUser: string | undefined): CommandTaskSpec {
  const env: Record<string, string> = {};
  for (const v of job.environmentVariables) env[v.name] = v.value;
  Object.assign(env, {
    mesos_task_id: run.taskId,
    CHRONOS_JOB_NAME: job.name,
    CHRONOS_JOB_OWNER: job.owner,
    CHRONOS_RESOURCE_CPU: String(job.cpus),
    CHRONOS_RESOURCE_MEM: String(job.mem),
    CHRONOS_RESOURCE_DISK: String(job.disk),
    AGORA_CRON_SCHEDULED_MS: String(run.scheduledAt),
    AGORA_CRON_ATTEMPT: String(run.attempt),
  });
  const uris = job.fetch.length > 0
    ? job.fetch.map((f) => ({ value: f.uri, executable: f.executable ?? false, extract: f.extract ?? true, cache: f.cache ?? false, ...(f.output_file ? { output_file: f.output_file } : {}) }))
    : job.uris.map((u) => ({ value: u, extract: true }));
  const user = job.runAsUser !== '' ? job.runAsUser : defaultUser;
  return {
    name: `cron:${job.name}`,
    id: run.taskId,
    command: job.shell ? job.command : [job.command, ...job.arguments, ...(run.arguments ?? [])],
    shell: job.shell,
    env,
    ...(uris.length > 0 ? { uris } : {}),
    ...(user ? { user } : {}),
    resources: { cpus: job.cpus, mem: job.mem, ...(job.disk > 0 ? { disk: job.disk } : {}) },
    ...(job.container?.image ? { extra: { container: imageContainer({ image: job.container.image, forcePull: job.container.forcePullImage, volumes: job.container.volumes }) } } : {}),
    labels: { 'agora.cron/job': job.name, 'agora.cron/scheduled': String(run.scheduledAt), 'agora.cron/attempt': String(run.attempt) },
  };
}
