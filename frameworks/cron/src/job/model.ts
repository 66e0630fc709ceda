/**
 * The job model: Chronos's job fields (2.x and 3.x, so old and new clients round-trip) plus the
 * server-maintained state (counters, the advancing schedule, dependency progress).
 *
 * A job is `scheduled` (it has a schedule: ISO 8601 from the Chronos API, cron from the Metronome
 * API) or `dependent` (it has parents and runs after they succeed). `JobSpec` is what a client
 * sends; `JobRecord` is what the engine keeps and persists: the spec, the parsed schedule whose
 * `next` index moves as occurrences are handled (Chronos's rewriting of the stored string), and
 * the counters. Everything here is plain JSON data.
 */
import type { Schedule } from '../schedule/schedule.ts';

export type ConcurrencyPolicy = 'ALLOW' | 'FORBID' | 'REPLACE';

export interface EnvironmentVariable {
  readonly name: string;
  readonly value: string;
}

export interface FetchUri {
  readonly uri: string;
  readonly executable?: boolean;
  readonly extract?: boolean;
  readonly cache?: boolean;
  readonly output_file?: string;
}

export interface JobVolume {
  readonly containerPath: string;
  /** Absolute: a path on the host; relative: a path in the run's sandbox (Mesos's `Volume.host_path`). */
  readonly hostPath: string;
  readonly mode: 'RW' | 'RO';
}

/**
 * The image a job's runs start from (job/container.ts). `DOCKER` (Chronos's default, Metronome's
 * `run.docker`) and `MESOS` (Metronome's `run.ucr`) run alike: the unified containerizer.
 */
export interface JobContainer {
  readonly type: 'DOCKER' | 'MESOS';
  readonly image: string;
  readonly forcePullImage: boolean;
  /** Docker networking mode: kept and shown, not applied (tasks share the host's network). */
  readonly network: string;
  readonly volumes: readonly JobVolume[];
  /** Docker daemon parameters: kept and shown, not applied. */
  readonly parameters: readonly { readonly key: string; readonly value: string }[];
}

export interface JobSpec {
  readonly name: string;
  readonly command: string;
  readonly shell: boolean;
  readonly arguments: readonly string[];
  /** The schedule text as the client wrote it (ISO 8601 or a cron expression); absent for dependents. */
  readonly schedule?: string;
  readonly scheduleKind?: 'iso8601' | 'cron';
  readonly scheduleTimeZone: string;
  readonly parents: readonly string[];
  /** How late a run may start (Chronos `epsilon`, Metronome `startingDeadlineSeconds`), in ms. */
  readonly epsilonMs: number;
  readonly retries: number;
  readonly async: boolean;
  readonly disabled: boolean;
  readonly concurrencyPolicy: ConcurrencyPolicy;
  readonly cpus: number;
  readonly mem: number;
  readonly disk: number;
  readonly owner: string;
  readonly ownerName: string;
  readonly description: string;
  readonly environmentVariables: readonly EnvironmentVariable[];
  readonly uris: readonly string[];
  readonly fetch: readonly FetchUri[];
  readonly container: JobContainer | null;
  readonly constraints: readonly (readonly string[])[];
  readonly softError: boolean;
  readonly highPriority: boolean;
  readonly runAsUser: string;
  /** Seconds a run may take before it is killed (0 = no limit). */
  readonly maxCompletionTime: number;
  /**
   * Metronome `restart.policy: ON_FAILURE`: a failed occurrence is retried (after the retry delay)
   * regardless of `retries`, for as long as `retryDeadlineSeconds` allows — forever without one.
   */
  readonly retryOnFailure?: boolean;
  /** Metronome `restart.activeDeadlineSeconds`: no retry starts later than this after the occurrence's time. */
  readonly retryDeadlineSeconds?: number;
  /** Which API created the job: decides the JSON it is shown in. */
  readonly api: 'chronos' | 'metronome';
  /** Metronome schedule ID. */
  readonly scheduleId?: string;
  /** Metronome labels (kept, not interpreted). */
  readonly labels?: Readonly<Record<string, string>>;
}

export interface JobCounters {
  readonly successCount: number;
  readonly errorCount: number;
  /** Epoch ms of the last success / final failure, or undefined. */
  readonly lastSuccess?: number;
  readonly lastError?: number;
  readonly errorsSinceLastSuccess: number;
  /** Occurrences recorded as missed (not run) since the job was created. */
  readonly missedCount: number;
}

export interface JobRecord {
  readonly spec: JobSpec;
  /** The parsed schedule, advanced as occurrences are handled; absent for dependent jobs. */
  readonly schedule?: Schedule;
  /** The last scheduled instant handled (launched or recorded as missed). */
  readonly cursor?: number;
  readonly counters: JobCounters;
  /** Dependent jobs: parents that have succeeded since this job was last triggered. */
  readonly parentsDone: readonly string[];
  readonly createdAt: number;
}

export const ZERO_COUNTERS: JobCounters = { successCount: 0, errorCount: 0, errorsSinceLastSuccess: 0, missedCount: 0 };

/** Chronos's defaults (`--mesos_task_cpu` 0.1, `--mesos_task_mem` 128, `--mesos_task_disk` 256, epsilon PT60S, 2 retries). */
export const DEFAULTS = {
  cpus: 0.1,
  mem: 128,
  disk: 256,
  epsilonMs: 60_000,
  retries: 2,
} as const;

export const JOB_NAME = /^[\w.-]+$/;

/**
 * Longest job name or Metronome id accepted (Agora's limit; Chronos and Metronome state none): a
 * name is a path segment of every job URL and part of store keys (at most 1024 characters), and a
 * job that cannot be named in a URL cannot be deleted.
 */
export const MAX_JOB_NAME = 255;

export function isScheduled(j: JobRecord): boolean {
  return j.schedule !== undefined;
}
