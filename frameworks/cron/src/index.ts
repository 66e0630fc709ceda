// Public entry of @agora/cron: the daemon (`main`, `CRON_FLAGS`, `startCron`) and the pure parts.
export { CRON_FLAGS, main, startCron, type CronHandle, type CronOptions, type StartExtras } from './daemon.ts';
export { CronEngine, DEFAULT_ENGINE_CONFIG, type EngineConfig, type Effects } from './plan/engine.ts';
export { plan, type Plan } from './plan/plan.ts';
export { taskIdFor, occurrenceId, type Run, type RunState } from './plan/run.ts';
export { parseChronosJob, type FieldError } from './job/validate.ts';
export { parseMetronomeJob } from './job/metronome.ts';
export type { JobRecord, JobSpec } from './job/model.ts';
export { nextRuns, scanRuns, advanceSchedule, type Schedule } from './schedule/schedule.ts';
export { parseIso8601Schedule, formatIso8601Schedule } from './schedule/iso8601.ts';
export { parseCronSchedule } from './schedule/cron.ts';
export { MemoryKv, type Kv } from './store/kv.ts';
