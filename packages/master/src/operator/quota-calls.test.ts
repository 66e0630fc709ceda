import { test } from 'node:test';
import assert from 'node:assert/strict';
import { send, world, type World } from '../http/fuzz-world.ts';

const cpus = (value: number, extra: object = {}) => ({ name: 'cpus', type: 'SCALAR', scalar: { value }, ...extra });
const mem = (value: number) => ({ name: 'mem', type: 'SCALAR', scalar: { value } });
const v1 = (w: World, call: object) => send(w, 'POST', '/api/v1', JSON.stringify(call), { 'content-type': 'application/json', accept: 'application/json' });
const setQuota = (w: World, quota_request: object) => v1(w, { type: 'SET_QUOTA', set_quota: { quota_request } });
const configs = async (w: World) => JSON.parse((await v1(w, { type: 'GET_QUOTA' })).body).get_quota.status.configs ?? [];

test('SET_QUOTA sets guarantees = limits (offers are capped); REMOVE_QUOTA clears them; bad requests are 400 naming the field', async () => {
  const w = await world();
  try {
    const a = await setQuota(w, { role: 'eng', guarantee: [cpus(1), mem(256)] });
    assert.equal(a.status, 200, a.body);
    assert.deepEqual(await configs(w), [{ role: 'eng', guarantees: { cpus: { value: 1 }, mem: { value: 256 } }, limits: { cpus: { value: 1 }, mem: { value: 256 } } }]);
    const s = w.h.scheduler({ role: 'eng' });
    const offered = s.liveOffers().flatMap((o) => o.resources ?? []).filter((r) => r.name === 'cpus').reduce((n, r) => n + (r.scalar?.value ?? 0), 0);
    assert.equal(offered, 1, 'offers stop at the limit');

    for (const [req, code, want] of [
      [{ role: 'eng', guarantee: [cpus(1)] }, 400, /^set_quota\.quota_request\.role: role 'eng' already has quota/],
      [{ guarantee: [cpus(1)] }, 400, /^set_quota\.quota_request\.role: a role is required/],
      [{ role: '*', guarantee: [cpus(1)] }, 400, /^set_quota\.quota_request\.role: .*cannot have quota/],
      [{ role: 'a/b', guarantee: [cpus(1)] }, 400, /^set_quota\.quota_request\.role: .*top-level/],
      [{ role: 'ops', guarantee: [cpus(1, { role: 'ops' })] }, 400, /^set_quota\.quota_request\.guarantee: quota must be unreserved/],
      [{ role: 'ops', guarantee: [{ name: 'ports', type: 'RANGES', ranges: { range: [{ begin: 1, end: 2 }] } }] }, 400, /^set_quota\.quota_request\.guarantee: quota can only hold scalar/],
      [{ role: 'ops', guarantee: [cpus(-1)] }, 400, /^set_quota\.quota_request\.guarantee: /],
      [{ role: 'ops', guarantee: [cpus(100)] }, 409, /Heuristic capacity check .*use force/],
    ] as const) {
      const r = await setQuota(w, req);
      assert.equal(r.status, code, `${JSON.stringify(req)}: ${r.body}`);
      assert.match(r.body, want);
    }
    assert.equal((await setQuota(w, { role: 'ops', guarantee: [cpus(100)], force: true })).status, 200, 'force skips the capacity check');

    assert.equal((await v1(w, { type: 'REMOVE_QUOTA', remove_quota: { role: 'eng' } })).status, 200);
    assert.deepEqual((await configs(w)).map((c: { role: string }) => c.role), ['ops']);
    const again = await v1(w, { type: 'REMOVE_QUOTA', remove_quota: { role: 'eng' } });
    assert.equal(again.status, 400);
    assert.match(again.body, /^remove_quota\.role: role 'eng' has no quota set/);
    // 'ops' holds back its (forced) guarantee as headroom; without it the rest is offered to 'eng'.
    assert.equal((await v1(w, { type: 'REMOVE_QUOTA', remove_quota: { role: 'ops' } })).status, 200);
    w.h.advance(1000);
    const more = s.liveOffers().flatMap((o) => o.resources ?? []).filter((r) => r.name === 'cpus').reduce((n, r) => n + (r.scalar?.value ?? 0), 0);
    assert.ok(more > 1, `without quota the role is offered more (${more} cpus)`);
  } finally {
    await w.close();
  }
});

test('legacy /master/quota: GET, POST a QuotaRequest, DELETE /master/quota/<role>', async () => {
  const w = await world();
  try {
    const json = { 'content-type': 'application/json' };
    assert.deepEqual(JSON.parse((await send(w, 'GET', '/master/quota', undefined, {})).body), {});
    const a = await send(w, 'POST', '/master/quota', JSON.stringify({ role: 'eng', guarantee: [cpus(2)] }), json);
    assert.equal(a.status, 200, a.body);
    const status = JSON.parse((await send(w, 'GET', '/master/quota', undefined, {})).body);
    assert.deepEqual(status.infos, [{ role: 'eng', guarantee: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 2 } }] }]);
    assert.deepEqual(status.configs[0].limits, { cpus: { value: 2 } });
    for (const [body, want] of [
      ['{', /Failed to parse set quota request JSON: invalid JSON/],
      ['{"role":"x","guarantee":[{"name":"cpus","type":"SCALAR","scalar":{"value":"a"}}]}', /Failed to parse set quota request JSON: guarantee\[0\]/],
      [JSON.stringify({ role: 'eng', guarantee: [cpus(1)] }), /^quota_request\.role: role 'eng' already has quota/],
    ] as const) {
      const r = await send(w, 'POST', '/master/quota', body, json);
      assert.equal(r.status, 400, r.body);
      assert.match(r.body, want);
    }
    assert.equal((await send(w, 'DELETE', '/master/quota/eng', undefined, {})).status, 200);
    const gone = await send(w, 'DELETE', '/master/quota/eng', undefined, {});
    assert.equal(gone.status, 400);
    assert.match(gone.body, /role 'eng' has no quota set/);
    assert.deepEqual(JSON.parse((await send(w, 'GET', '/master/quota', undefined, {})).body), {});
  } finally {
    await w.close();
  }
});
