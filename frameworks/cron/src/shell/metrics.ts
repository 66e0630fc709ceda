/**
 * The cron daemon's metrics, one registry for `/metrics` (JSON, Mesos-style flat names) and
 * `/metrics/prometheus` (text format 0.0.4, `agora_cron_…`). Gauges are read from state when
 * asked (jobs, active runs, leadership, reconciliation), so nothing derivable is kept twice;
 * counters count what happened in this process since it started (Prometheus counters: they reset
 * on restart, and `rate()` handles that). Every daemon answers with its own view: a standby shows
 * `cron_leader 0` and no jobs.
 */
import { MetricsRegistry, type Counter, type SampleTimer } from '@agora/runtime';
import type { CronEngine } from '../plan/engine.ts';
import type { Run, RunState } from '../plan/run.ts';

export interface CronMetricsSources {
  readonly engine: CronEngine;
  /** Whether this daemon leads. */
  isLeader(): boolean;
  /** Whether an explicit reconciliation is outstanding (after SUBSCRIBED, or a periodic one). */
  reconciling(): boolean;
}

export class CronMetrics {
  readonly registry = new MetricsRegistry();
  private readonly ended: Record<'SUCCESS' | 'FAILED' | 'KILLED', Counter>;
  private readonly missedRuns: Counter;
  private readonly launchedRuns: Counter;
  private readonly retriedRuns: Counter;
  private readonly finalFailures: Counter;
  private readonly reconciliations: Counter;
  private readonly skew: SampleTimer;

  constructor(s: CronMetricsSources) {
    const m = this.registry;
    const runs = () => [...s.engine.runs.values()];
    const count = (states: readonly RunState[]) => runs().filter((r) => states.includes(r.state)).length;
    m.gauge('cron_jobs', () => s.engine.jobs.size, 'Jobs defined');
    m.gauge('cron_jobs_disabled', () => [...s.engine.jobs.values()].filter((j) => j.spec.disabled).length, 'Jobs disabled (or whose repetitions are used up)');
    m.gauge('cron_runs_active', () => s.engine.runs.size, 'Runs not finished: waiting for a retry, queued, staging or running');
    m.gauge('cron_runs_queued', () => count(['QUEUED']), 'Runs persisted and waiting for an offer');
    m.gauge('cron_runs_running', () => count(['STAGING', 'RUNNING']), 'Runs launched and not finished');
    m.gauge('cron_leader', () => (s.isLeader() ? 1 : 0), '1 while this daemon leads');
    m.gauge('cron_reconciliation_in_progress', () => (s.reconciling() ? 1 : 0), '1 while an explicit task reconciliation is outstanding');
    this.ended = {
      SUCCESS: m.counter('cron_runs_succeeded', 'Runs (attempts) that finished successfully'),
      FAILED: m.counter('cron_runs_failed', 'Runs (attempts) that failed, including maxCompletionTime timeouts and lost tasks'),
      KILLED: m.counter('cron_runs_killed', 'Runs killed on request (kill, replace, delete)'),
    };
    this.missedRuns = m.counter('cron_runs_missed', 'Occurrences recorded as missed (not run within epsilon)');
    this.launchedRuns = m.counter('cron_runs_launched', 'Runs launched (first attempts and retries)');
    this.retriedRuns = m.counter('cron_retries', 'Retry attempts launched');
    this.finalFailures = m.counter('cron_final_failures', 'Occurrences that failed after their last retry');
    this.reconciliations = m.counter('cron_periodic_reconciliations', 'Periodic explicit reconciliations sent');
    this.skew = m.timer('cron_launch_skew_ms', 'Launch skew: launch sent minus scheduled time, ms', 10_000);
  }

  launched(attempt: number, skewMs: number): void {
    this.launchedRuns.inc();
    if (attempt > 0) this.retriedRuns.inc();
    this.skew.record(skewMs);
  }

  /** A run reached `state`; a run killed for exceeding maxCompletionTime counts as failed. */
  runEnded(run: Pick<Run, 'state' | 'killReason'>): void {
    const state = run.state === 'KILLED' && run.killReason === 'timeout' ? 'FAILED' : run.state;
    if (state === 'SUCCESS' || state === 'FAILED' || state === 'KILLED') this.ended[state].inc();
  }

  missed(n: number): void {
    if (n > 0) this.missedRuns.inc(n);
  }

  finalFailure(n: number): void {
    if (n > 0) this.finalFailures.inc(n);
  }

  periodicReconciliation(): void {
    this.reconciliations.inc();
  }
}
