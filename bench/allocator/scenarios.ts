/**
 * The benchmark shapes. Each mirrors one of Mesos's allocator benchmarks
 * (`src/tests/hierarchical_allocator_benchmarks.cpp`, `hierarchical_allocator_tests.cpp`) and
 * returns result lines. Only `allocate()` (or the add calls) is timed; framework behaviour
 * between cycles (declines, task launches and completions) is not.
 */
import { Allocator, seededRng, type AllocationResult, type Rng } from '@agora/allocator';
import type { Resources } from '@agora/resources';
import { ResourceQuantities } from '@agora/resources';
import { must, pad, recoverAll, res } from './cluster.ts';
import { fmt, line, percentile, progress, settle, timed } from './stats.ts';

export interface Scale {
  /** 1 for the full shapes, smaller for --quick. */
  readonly factor: number;
  readonly cycles: number;
}

const n = (full: number, s: Scale): number => Math.max(1, Math.round(full * s.factor));

function summary(samples: number[], cpu: number[]): { p50_ms: string; p99_ms: string; cpu_p50_ms: string } {
  return { p50_ms: fmt(percentile(samples, 50)), p99_ms: fmt(percentile(samples, 99)), cpu_p50_ms: fmt(percentile(cpu, 50)) };
}

// ───────────────────────── large: 20k agents × 2k frameworks, one role, no filters ─────────────────────────

export function large(s: Scale): string[] {
  const agents = n(20_000, s);
  const frameworks = n(2_000, s);
  const a = new Allocator();
  for (let f = 0; f < frameworks; f++) must(a.addFramework(`fw-${pad(f, 5)}`, { roles: ['role'] }));
  const total = res('cpus:16;mem:65536;disk:1048576;ports:[31000-32000]');
  for (let i = 0; i < agents; i++) must(a.addAgent(`agent-${pad(i, 6)}`, { hostname: `host-${i}` }, total));
  settle();
  progress(`large: ${agents} agents, ${frameworks} frameworks built`);
  const rng = seededRng(1);
  const samples: number[] = [];
  const cpu: number[] = [];
  let offers = 0;
  for (let c = 0; c < s.cycles; c++) {
    const { value, ms, cpuMs } = timed(() => a.allocate({ now: c * 1000, rng }));
    samples.push(ms);
    cpu.push(cpuMs);
    offers = value.offers.length;
    progress(`large: cycle ${c + 1}/${s.cycles} ${fmt(ms)} ms, ${offers} offers`);
    recoverAll(a, value, c * 1000);
  }
  return [line('large', { agents, frameworks, ...summary(samples, cpu), offers_per_cycle: offers, target_ms: 2000 })];
}

// ───────────────────────── decline-offers: every framework filters every agent ─────────────────────────

export function declineOffers(s: Scale): string[] {
  const agents = n(10_000, s);
  const frameworks = n(1_000, s);
  const a = new Allocator();
  const fwIds = Array.from({ length: frameworks }, (_, f) => `fw-${pad(f, 4)}`);
  for (const id of fwIds) must(a.addFramework(id, { roles: ['role'] }));
  const total = res('cpus:24;mem:65536;disk:1048576;ports:[31000-32000]');
  const used = res('cpus:8;mem:16384;ports:[31000-31099]').allocate('role');
  const agentIds: string[] = [];
  for (let i = 0; i < agents; i++) {
    const id = `agent-${pad(i, 5)}`;
    agentIds.push(id);
    must(a.addAgent(id, { hostname: `host-${i}` }, total, { used: { [fwIds[i % frameworks]!]: used } }));
  }
  progress(`decline-offers: ${agents} agents (partly used), ${frameworks} frameworks built; installing ${agents * frameworks} filters`);
  const farFuture = 365 * 86_400_000;
  const { ms: setupMs } = timed(() => {
    for (const agentId of agentIds) {
      // What every framework declined: the agent's free remainder, as the cycle would offer it.
      const refused = a.available(agentId)!;
      for (const fw of fwIds) must(a.addFilter(fw, 'role', agentId, refused, farFuture));
    }
  });
  settle();
  progress(`decline-offers: filters installed in ${fmt(setupMs)} ms (heap ${Math.round(process.memoryUsage().heapUsed / 1e6)} MB after GC)`);
  const rng = seededRng(2);
  const cold: number[] = [];
  const coldCpu: number[] = [];
  const warm: number[] = [];
  let offers = 0;
  for (let c = 0; c < s.cycles; c++) {
    // A weight update invalidates the "all filtered" shortcut: this cycle checks every pair.
    must(a.updateWeights([{ role: 'role', weight: 1 }]));
    const r = timed(() => a.allocate({ now: c * 1000, rng }));
    cold.push(r.ms);
    coldCpu.push(r.cpuMs);
    offers += r.value.offers.length;
    const w = timed(() => a.allocate({ now: c * 1000 + 500, rng }));
    warm.push(w.ms);
    offers += w.value.offers.length;
    progress(`decline-offers: cycle ${c + 1}/${s.cycles} full scan ${fmt(r.ms)} ms, unchanged ${fmt(w.ms)} ms`);
  }
  return [line('decline-offers', {
    agents, frameworks, ...summary(cold, coldCpu), warm_p50_ms: fmt(percentile(warm, 50)), offers, pairs_per_cycle: agents * frameworks, target_ms: 500,
  })];
}

// ───────────────────────── drf-mixed: 20 weighted roles, half the frameworks filtering ─────────────────────────

interface Task {
  readonly frameworkId: string;
  readonly agentId: string;
  readonly resources: Resources;
}

export function drfMixed(s: Scale): string[] {
  const agents = n(10_000, s);
  const frameworks = n(200, s);
  const rng: Rng = seededRng(3);
  const a = new Allocator();
  const roles = Array.from({ length: 20 }, (_, r) => `role-${pad(r, 2)}`);
  must(a.updateWeights(roles.map((role, r) => ({ role, weight: 1 + (r % 4) }))));
  const fws = Array.from({ length: frameworks }, (_, f) => {
    const cpus = [0.5, 1, 2, 4][Math.floor(rng() * 4)]!;
    const mem = [256, 1024, 2048, 8192][Math.floor(rng() * 4)]!;
    return {
      id: `fw-${pad(f, 3)}`, role: roles[f % roles.length]!, filtering: f % 2 === 0,
      task: res(`cpus:${cpus};mem:${mem}`), want: 50 + Math.floor(rng() * 400), running: 0,
    };
  });
  for (const f of fws) must(a.addFramework(f.id, { roles: [f.role] }));
  const byId = new Map(fws.map((f) => [f.id, f]));
  for (let i = 0; i < agents; i++) {
    const cpus = [8, 16, 32][Math.floor(rng() * 3)]!;
    const mem = [16384, 65536, 131072][Math.floor(rng() * 3)]!;
    must(a.addAgent(`agent-${pad(i, 5)}`, {}, res(`cpus:${cpus};mem:${mem};disk:100000;ports:[31000-32000]`)));
  }
  settle();
  progress(`drf-mixed: ${agents} agents, ${frameworks} frameworks in ${roles.length} weighted roles built`);
  const tasks: Task[] = [];
  const respond = (result: AllocationResult, now: number): void => {
    for (const o of result.offers) {
      const f = byId.get(o.frameworkId)!;
      let left = o.resources.unallocate();
      // Random demand: launch up to a few tasks while the framework wants more.
      let launch = f.running < f.want ? 1 + Math.floor(rng() * 4) : 0;
      while (launch-- > 0 && left.contains(f.task)) {
        left = left.minus(f.task);
        tasks.push({ frameworkId: f.id, agentId: o.agentId, resources: f.task.allocate(f.role) });
        f.running++;
      }
      if (!left.isEmpty()) {
        must(a.recoverResources(o.frameworkId, o.agentId, left.allocate(o.role), { refuseSeconds: f.filtering ? 30 : 0 }, now));
      }
    }
    // Tasks finish at random (5% per cycle), returning their resources.
    for (let i = tasks.length - 1; i >= 0; i--) {
      if (rng() >= 0.05) continue;
      const t = tasks[i]!;
      must(a.recoverResources(t.frameworkId, t.agentId, t.resources, undefined, now));
      byId.get(t.frameworkId)!.running--;
      tasks[i] = tasks[tasks.length - 1]!;
      tasks.pop();
    }
  };
  const warmup = Math.max(3, Math.round(s.cycles / 2));
  const samples: number[] = [];
  const cpu: number[] = [];
  let offers = 0;
  for (let c = 0; c < warmup + s.cycles * 2; c++) {
    const now = c * 1000;
    const { value, ms, cpuMs } = timed(() => a.allocate({ now, rng }));
    if (c >= warmup) {
      samples.push(ms);
      cpu.push(cpuMs);
      offers += value.offers.length;
    }
    respond(value, now);
    if (c % 5 === 0) progress(`drf-mixed: cycle ${c + 1} ${fmt(ms)} ms, ${value.offers.length} offers, ${tasks.length} tasks running`);
  }
  return [line('drf-mixed', {
    agents, frameworks, ...summary(samples, cpu), offers_per_cycle: Math.round(offers / samples.length), tasks: tasks.length, target_ms: 100,
  })];
}

// ───────────────────────── quota: 3k roles with quota, one framework each ─────────────────────────

export function quota(s: Scale): string[] {
  const agents = n(3_000, s);
  const roleCount = n(3_000, s);
  const a = new Allocator();
  const guarantees = must(ResourceQuantities.parse('cpus:2;mem:2048'));
  const limits = must(ResourceQuantities.parse('cpus:4;mem:4096'));
  for (let r = 0; r < roleCount; r++) {
    const role = `quota-${pad(r, 4)}`;
    must(a.updateQuota(role, { guarantees, limits }));
    must(a.addFramework(`fw-${pad(r, 4)}`, { roles: [role] }));
  }
  const total = res('cpus:16;mem:16384;disk:100000;ports:[31000-32000]');
  for (let i = 0; i < agents; i++) must(a.addAgent(`agent-${pad(i, 4)}`, {}, total));
  settle();
  progress(`quota: ${agents} agents, ${roleCount} roles with quota, ${roleCount} frameworks built`);
  const rng = seededRng(4);
  const samples: number[] = [];
  const cpu: number[] = [];
  let allocations = 0;
  for (let c = 0; c < s.cycles; c++) {
    const { value, ms, cpuMs } = timed(() => a.allocate({ now: c * 1000, rng }));
    samples.push(ms);
    cpu.push(cpuMs);
    allocations = value.offers.length;
    progress(`quota: cycle ${c + 1}/${s.cycles} ${fmt(ms)} ms, ${allocations} offers (${value.stats.quotaOffers} for guarantees)`);
    recoverAll(a, value, c * 1000);
  }
  return [line('quota', { agents, frameworks: roleCount, roles: roleCount, ...summary(samples, cpu), allocations, mesos_ms: 15000 })];
}

// ───────────────────────── adding agents and frameworks ─────────────────────────

export function addAgents(s: Scale): string[] {
  const agents = n(10_000, s);
  const frameworks = n(1_000, s);
  const samples: number[] = [];
  const cpu: number[] = [];
  for (let rep = 0; rep < Math.max(3, Math.min(5, s.cycles)); rep++) {
    const a = new Allocator();
    const fwIds = Array.from({ length: frameworks }, (_, f) => `fw-${pad(f, 4)}`);
    for (const id of fwIds) must(a.addFramework(id, { roles: ['role'] }));
    const total = res('cpus:24;mem:65536;disk:1048576;ports:[31000-32000]');
    const used = res('cpus:8;mem:16384;ports:[31000-31099]').allocate('role');
    const { ms, cpuMs } = timed(() => {
      for (let i = 0; i < agents; i++) {
        must(a.addAgent(`agent-${pad(i, 5)}`, { hostname: `host-${i}` }, total, { used: { [fwIds[i % frameworks]!]: used } }));
      }
    });
    samples.push(ms);
    cpu.push(cpuMs);
    progress(`add-agents: ${agents} agents in ${fmt(ms)} ms`);
  }
  return [line('add-agents', { agents, frameworks, ...summary(samples, cpu), mesos_ms: 1610 })];
}

export function addFrameworks(s: Scale): string[] {
  const agents = n(10_000, s);
  const frameworks = n(1_000, s);
  const samples: number[] = [];
  const cpu: number[] = [];
  for (let rep = 0; rep < Math.max(3, Math.min(5, s.cycles)); rep++) {
    const a = new Allocator();
    const total = res('cpus:24;mem:65536;disk:1048576;ports:[31000-32000]');
    for (let i = 0; i < agents; i++) must(a.addAgent(`agent-${pad(i, 5)}`, {}, total));
    const { ms, cpuMs } = timed(() => {
      for (let f = 0; f < frameworks; f++) must(a.addFramework(`fw-${pad(f, 4)}`, { roles: [`role-${f % 10}`] }));
    });
    samples.push(ms);
    cpu.push(cpuMs);
    progress(`add-frameworks: ${frameworks} frameworks in ${fmt(ms)} ms`);
  }
  return [line('add-frameworks', { agents, frameworks, ...summary(samples, cpu), mesos_ms: 40 })];
}

export const SCENARIOS: Readonly<Record<string, (s: Scale) => string[]>> = {
  'decline-offers': declineOffers,
  'drf-mixed': drfMixed,
  quota,
  large,
  'add-agents': addAgents,
  'add-frameworks': addFrameworks,
};


