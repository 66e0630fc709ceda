/**
 * One metrics registry feeding both Mesos's `/metrics/snapshot` (a flat `{"master/tasks_running": 3}`
 * map with Mesos's names) and Prometheus text exposition (`agora_master_tasks_running 3`).
 *
 * Counters and gauges are cheap enough for hot paths (a property increment); gauges can also be
 * computed on demand from state (`gauge(name, () => value)`), so nothing derivable is stored twice.
 * Timers keep a bounded window of recent samples and report Mesos's percentile suffixes.
 */
export interface Counter {
  inc(by?: number): void;
  readonly value: number;
}

export interface SampleTimer {
  /** Records a sample in milliseconds. */
  record(ms: number): void;
}

const PERCENTILES: ReadonlyArray<readonly [string, number]> = [
  ['p50', 0.5], ['p90', 0.9], ['p95', 0.95], ['p99', 0.99], ['p999', 0.999], ['p9999', 0.9999],
];

class WindowTimer implements SampleTimer {
  private samples: number[] = [];
  private next = 0;
  count = 0;
  constructor(private readonly window: number) {}
  record(ms: number): void {
    this.count++;
    if (this.samples.length < this.window) this.samples.push(ms);
    else {
      this.samples[this.next] = ms;
      this.next = (this.next + 1) % this.window;
    }
  }
  summary(): Record<string, number> {
    if (this.samples.length === 0) return {};
    const sorted = [...this.samples].sort((a, b) => a - b);
    const out: Record<string, number> = {
      '': this.samples[(this.next + this.samples.length - 1) % this.samples.length]!,
      count: this.count,
      min: sorted[0]!,
      max: sorted[sorted.length - 1]!,
    };
    for (const [name, q] of PERCENTILES) out[name] = sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
    return out;
  }
}

export class MetricsRegistry {
  private counters = new Map<string, { value: number; help: string }>();
  private gauges = new Map<string, { fn: () => number; help: string }>();
  private gaugeFamilies: Array<() => Record<string, number>> = [];
  private timers = new Map<string, { timer: WindowTimer; help: string }>();

  counter(name: string, help = ''): Counter {
    let c = this.counters.get(name);
    if (!c) this.counters.set(name, (c = { value: 0, help }));
    const cell = c;
    return {
      inc: (by = 1) => void (cell.value += by),
      get value() {
        return cell.value;
      },
    };
  }

  gauge(name: string, fn: () => number, help = ''): void {
    this.gauges.set(name, { fn, help });
  }

  /** A set of gauges whose names are only known at read time (per framework, per role...). */
  gaugeFamily(fn: () => Record<string, number>): void {
    this.gaugeFamilies.push(fn);
  }

  timer(name: string, help = '', window = 1000): SampleTimer {
    let t = this.timers.get(name);
    if (!t) this.timers.set(name, (t = { timer: new WindowTimer(window), help }));
    return t.timer;
  }

  /** The flat Mesos-style snapshot. Timers appear as `<name>_ms`-style keys with `/p50` etc. suffixes. */
  snapshot(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [name, c] of this.counters) out[name] = c.value;
    for (const [name, g] of this.gauges) out[name] = finite(g.fn());
    for (const fam of this.gaugeFamilies) for (const [k, v] of Object.entries(fam())) out[k] = finite(v);
    for (const [name, t] of this.timers) {
      for (const [suffix, v] of Object.entries(t.timer.summary())) out[suffix === '' ? name : `${name}/${suffix}`] = v;
    }
    return out;
  }

  /** Prometheus text format (version 0.0.4). */
  prometheus(prefix = 'agora'): string {
    const lines: string[] = [];
    const emit = (name: string, type: string, help: string, value: number) => {
      const n = promName(prefix, name);
      if (help) lines.push(`# HELP ${n} ${help.replace(/\n/g, ' ')}`);
      lines.push(`# TYPE ${n} ${type}`, `${n} ${formatNumber(value)}`);
    };
    for (const [name, c] of this.counters) emit(name, 'counter', c.help, c.value);
    for (const [name, g] of this.gauges) emit(name, 'gauge', g.help, finite(g.fn()));
    for (const fam of this.gaugeFamilies) for (const [k, v] of Object.entries(fam())) emit(k, 'gauge', '', finite(v));
    for (const [name, t] of this.timers) {
      const s = t.timer.summary();
      const n = promName(prefix, name);
      if (t.help) lines.push(`# HELP ${n} ${t.help}`);
      lines.push(`# TYPE ${n} summary`);
      for (const [label, q] of PERCENTILES) if (s[label] !== undefined) lines.push(`${n}{quantile="${q}"} ${formatNumber(s[label]!)}`);
      lines.push(`${n}_count ${t.timer.count}`);
    }
    return lines.join('\n') + '\n';
  }
}

const finite = (v: number) => (Number.isFinite(v) ? v : 0);
const formatNumber = (v: number) => (Number.isInteger(v) ? String(v) : v.toPrecision(12).replace(/\.?0+$/, ''));

/** `master/tasks_running` → `agora_master_tasks_running`; any character Prometheus forbids becomes `_`. */
export function promName(prefix: string, name: string): string {
  return `${prefix}_${name}`.replace(/[^a-zA-Z0-9_:]/g, '_').replace(/_+/g, '_');
}
