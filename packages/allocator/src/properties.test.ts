import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isStrictSubrole, ResourceLimits, Resources } from '@agora/resources';
import { Allocator } from './allocator.ts';
import { fromSnapshot } from './functional.ts';
import { seededRng } from './rng.ts';
import { must, Q, R } from './testing/harness.ts';
import type { AllocationResult, FrameworkSpec } from './types.ts';

// ───────────────────────── random clusters ─────────────────────────

const ROLES = ['a', 'a/b', 'c', '*'];
const CAPS = ['MULTI_ROLE', 'GPU_RESOURCES', 'REVOCABLE_RESOURCES', 'RESERVATION_REFINEMENT'] as const;

const agentArb = fc.record({
  cpus: fc.integer({ min: 1, max: 8 }),
  mem: fc.integer({ min: 16, max: 4096 }),
  ports: fc.boolean(),
  reserved: fc.option(fc.constantFrom('a', 'a/b', 'c'), { nil: undefined }),
  revocable: fc.boolean(),
  gpus: fc.boolean(),
  caps: fc.subarray(['MULTI_ROLE', 'HIERARCHICAL_ROLE'] as const),
});

function agentTotal(g: { cpus: number; mem: number; ports: boolean; reserved: string | undefined; revocable: boolean; gpus: boolean }): Resources {
  let r = R(`cpus:${g.cpus};mem:${g.mem}${g.ports ? ';ports:[31000-31009]' : ''}${g.gpus ? ';gpus:1' : ''}`);
  if (g.reserved !== undefined) {
    const top = g.reserved.split('/')[0]!;
    let res = must(R('cpus:1;mem:32').pushReservation({ type: 'DYNAMIC', role: top, principal: 'p' }));
    if (g.reserved !== top) res = must(res.pushReservation({ type: 'DYNAMIC', role: g.reserved }));
    r = r.plus(res);
  }
  if (g.revocable) r = r.plus(must(Resources.fromProto([{ name: 'cpus', type: 'SCALAR', scalar: { value: 2 }, revocable: {} }])));
  return r;
}

const frameworkArb = fc.record({
  roles: fc.subarray(ROLES, { minLength: 1, maxLength: 3 }),
  caps: fc.subarray([...CAPS]),
});

const op = fc.oneof(
  { weight: 5, arbitrary: fc.record({ k: fc.constant('allocate' as const), dt: fc.integer({ min: 0, max: 7000 }) }) },
  { weight: 5, arbitrary: fc.record({ k: fc.constant('decline' as const), i: fc.nat(), refuse: fc.constantFrom(undefined, 0, 1, 5, 3600) }) },
  { weight: 3, arbitrary: fc.record({ k: fc.constant('partial' as const), i: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('suppress' as const), f: fc.nat(), revive: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('activate' as const), f: fc.nat(), on: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('removeFramework' as const), f: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('addFramework' as const), spec: frameworkArb }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('removeAgent' as const), i: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('addAgent' as const), agent: agentArb }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('quota' as const), role: fc.constantFrom('a', 'c'), g: fc.option(fc.integer({ min: 0, max: 6 }), { nil: undefined }), l: fc.option(fc.integer({ min: 0, max: 10 }), { nil: undefined }) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('weight' as const), role: fc.constantFrom('a', 'c', 'a/b'), w: fc.constantFrom(0.5, 1, 2, 4) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('agentState' as const), i: fc.nat(), active: fc.boolean() }) },
);

const scenario = fc.record({
  agents: fc.array(agentArb, { minLength: 1, maxLength: 6 }),
  frameworks: fc.array(frameworkArb, { minLength: 1, maxLength: 5 }),
  ops: fc.array(op, { minLength: 5, maxLength: 50 }),
  seed: fc.integer(),
});

function spec(g: { roles: string[]; caps: readonly string[] }): FrameworkSpec {
  const multi = g.roles.length > 1 || g.caps.includes('MULTI_ROLE');
  const caps = [...new Set([...g.caps, ...(multi ? ['MULTI_ROLE'] : [])])] as FrameworkSpec['capabilities'];
  return { roles: g.roles, capabilities: caps ?? [] };
}

function consumed(a: Allocator, role: string): Record<string, number> {
  const r = a.inspect().roles.find((x) => x.role === role);
  const out: Record<string, number> = {};
  if (r === undefined) return out;
  for (const [k, v] of Object.entries(r.reserved)) out[k] = (out[k] ?? 0) + v;
  for (const [k, v] of Object.entries(r.offeredUnreserved)) out[k] = (out[k] ?? 0) + v;
  return out;
}

// ───────────────────────── the invariants ─────────────────────────

function checkCycle(a: Allocator, result: AllocationResult, before: Map<string, Resources>, limits: Map<string, Record<string, number>>, consumedBefore: Map<string, Record<string, number>>): void {
  const byAgent = new Map<string, Resources>();
  for (const o of result.offers) {
    // Reserved resources only to their role or a descendant.
    for (const e of o.resources.entries) {
      const rr = e.id.reservationRole;
      if (rr !== undefined) assert.ok(o.role === rr || isStrictSubrole(o.role, rr), `reserved for ${rr} offered to ${o.role}`);
    }
    byAgent.set(o.agentId, (byAgent.get(o.agentId) ?? Resources.EMPTY).plus(o.resources.unallocate()));
  }
  // Never offered twice, never more than the agent had free.
  for (const [agentId, offered] of byAgent) {
    assert.ok(before.get(agentId)!.contains(offered), `agent ${agentId} over-offered: ${offered.toString()} ⊄ ${before.get(agentId)!.toString()}`);
  }
  // Offers are one per (framework, agent, role).
  const keys = result.offers.map((o) => `${o.frameworkId}|${o.agentId}|${o.role}`);
  assert.equal(new Set(keys).size, keys.length);
  // Offered + allocated ⊆ total, for every agent.
  for (const ag of a.inspect().agents) {
    const total = must(Resources.parse(ag.total.replace(/; /g, ';')));
    const held = Resources.sum(Object.values(ag.allocated).map((t) => must(Resources.parse(t.replace(/; /g, ';'))).unallocate()));
    assert.ok(total.contains(held), `agent ${ag.id} holds more than its total`);
  }
  // Quota limits: a role at or under its limit stays there.
  for (const [role, limit] of limits) {
    const after = consumed(a, role);
    const prior = consumedBefore.get(role) ?? {};
    for (const [name, max] of Object.entries(limit)) {
      const was = prior[name] ?? 0;
      const now = after[name] ?? 0;
      if (was <= max + 1e-9) assert.ok(now <= max + 1e-9, `role ${role} ${name} ${now} > limit ${max}`);
      else assert.ok(now <= was + 1e-9, `role ${role} over its limit grew`);
    }
  }
}

test('property: random clusters and event sequences keep the allocator\'s invariants, and incremental state equals a rebuild', () => {
  fc.assert(fc.property(scenario, (sc) => {
    const a = new Allocator();
    const rng = seededRng(sc.seed);
    let now = 0;
    let agentSeq = 0;
    let fwSeq = 0;
    const agents: string[] = [];
    const frameworks: string[] = [];
    const limits = new Map<string, Record<string, number>>();
    let last: AllocationResult | undefined;
    for (const g of sc.agents) {
      const id = `ag${agentSeq++}`;
      must(a.addAgent(id, { capabilities: [...g.caps] }, agentTotal(g)));
      agents.push(id);
    }
    for (const g of sc.frameworks) {
      const id = `fw${fwSeq++}`;
      must(a.addFramework(id, spec(g)));
      frameworks.push(id);
    }
    for (const o of sc.ops) {
      switch (o.k) {
        case 'allocate': {
          now += o.dt;
          const before = new Map(agents.map((id) => [id, a.available(id)!] as const));
          const consumedBefore = new Map([...limits.keys()].map((r) => [r, consumed(a, r)] as const));
          const suppressed = new Set<string>();
          for (const f of frameworks) for (const s of a.snapshot().frameworks.find((x) => x.id === f)!.suppressedRoles ?? []) suppressed.add(`${f}|${s}`);
          const inactive = new Set(a.snapshot().frameworks.filter((x) => x.active === false).map((x) => x.id));
          last = a.allocate({ now, rng });
          checkCycle(a, last, before, limits, consumedBefore);
          for (const off of last.offers) {
            assert.ok(!suppressed.has(`${off.frameworkId}|${off.role}`), 'suppressed role got an offer');
            assert.ok(!inactive.has(off.frameworkId), 'inactive framework got an offer');
          }
          break;
        }
        case 'decline': {
          const offer = last?.offers[o.i % Math.max(1, last.offers.length)];
          if (offer === undefined) break;
          const r = a.recoverResources(offer.frameworkId, offer.agentId, offer.resources, o.refuse === undefined ? undefined : { refuseSeconds: o.refuse }, now);
          // It may already be gone (framework or agent removed, or declined before).
          void r;
          break;
        }
        case 'partial': {
          const offer = last?.offers[o.i % Math.max(1, last.offers.length)];
          if (offer === undefined) break;
          const part = offer.resources.scalars().capScalars(Q('cpus:1;mem:16'), 'drop');
          if (!part.isEmpty()) void a.recoverResources(offer.frameworkId, offer.agentId, part, { refuseSeconds: 1 }, now);
          break;
        }
        case 'suppress': {
          const f = frameworks[o.f % Math.max(1, frameworks.length)];
          if (f !== undefined) must(o.revive ? a.reviveOffers(f) : a.suppressOffers(f));
          break;
        }
        case 'activate': {
          const f = frameworks[o.f % Math.max(1, frameworks.length)];
          if (f !== undefined) must(o.on ? a.activateFramework(f) : a.deactivateFramework(f));
          break;
        }
        case 'removeFramework': {
          if (frameworks.length === 0) break;
          const [f] = frameworks.splice(o.f % frameworks.length, 1);
          must(a.removeFramework(f!));
          break;
        }
        case 'addFramework': {
          const id = `fw${fwSeq++}`;
          must(a.addFramework(id, spec(o.spec)));
          frameworks.push(id);
          break;
        }
        case 'removeAgent': {
          if (agents.length === 0) break;
          const [id] = agents.splice(o.i % agents.length, 1);
          must(a.removeAgent(id!));
          break;
        }
        case 'addAgent': {
          const id = `ag${agentSeq++}`;
          must(a.addAgent(id, { capabilities: [...o.agent.caps] }, agentTotal(o.agent)));
          agents.push(id);
          break;
        }
        case 'quota': {
          const guarantees = o.g === undefined ? undefined : Q(`cpus:${o.g}`);
          const lim = o.l === undefined ? undefined : must(ResourceLimits.parse(`cpus:${Math.max(o.l, o.g ?? 0)}`));
          must(a.updateQuota(o.role, { ...(guarantees ? { guarantees } : {}), ...(lim ? { limits: lim } : {}) }));
          if (lim !== undefined) limits.set(o.role, lim.toRecord());
          else limits.delete(o.role);
          break;
        }
        case 'weight':
          must(a.updateWeights([{ role: o.role, weight: o.w }]));
          break;
        case 'agentState': {
          const id = agents[o.i % Math.max(1, agents.length)];
          if (id !== undefined) must(o.active ? a.activateAgent(id) : a.deactivateAgent(id));
          break;
        }
      }
    }
    // The incrementally maintained state equals the state rebuilt from a snapshot.
    const rebuilt = must(fromSnapshot(a.snapshot()));
    assert.deepEqual(rebuilt.inspect(), a.inspect());
  }), { numRuns: 300 });
});
