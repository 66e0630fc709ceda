/**
 * `npm run bench:services` — the services framework at scale, on emulated agents (the real agent
 * core and protocol, fake containers):
 *
 *   list    GET /v2/apps with --apps apps (1 instance each, running): requests per second over
 *           --seconds with --connections concurrent clients (target ≥ 250; Marathon 1.9: 123)
 *   scale   one app from 0 to --instances instances: seconds from the PUT until every instance
 *           is TASK_RUNNING in /v2/apps (target ≤ 10 s)
 *
 * Four processes: `agora master`, the emulated agents (bench/launch/agents-main.ts), `agora
 * services` (the component under test, memory state), and this one (HTTP client).
 *
 *   npm run bench:services -- [--agents 500] [--apps 1000] [--instances 10000] [--seconds 10]
 *                             [--connections 8] [--quick] [list|scale]
 */
import { performance } from 'node:perf_hooks';
import { cpuSeconds, freePort, machine, rssMiB, startProcess, waitFor, AGORA_BIN, type Proc } from '../support/procs.ts';

const argv = process.argv.slice(2);
const flag = (name: string, dflt: number) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? Number(argv[i + 1]) : dflt;
};
const quick = argv.includes('--quick');
const scale = quick ? 10 : 1;
const AGENTS = flag('agents', 500 / scale);
const APPS = flag('apps', 1000 / scale);
const INSTANCES = flag('instances', 10_000 / scale);
const SECONDS = flag('seconds', quick ? 3 : 10);
const CONNECTIONS = flag('connections', 8);
const named = argv.filter((a, i) => !a.startsWith('--') && !argv[i - 1]?.startsWith('--'));
const run = (s: string) => named.length === 0 || named.includes(s);
const log = (msg: string) => process.stderr.write(`${msg}\n`);

async function send(api: string, method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const res = await fetch(`${api}${path}`, { method, ...(body !== undefined ? { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } } : {}) });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : undefined };
}

const idle = (api: string) => waitFor('deployments to finish', async () => ((await send(api, 'GET', '/v2/deployments')).json.length === 0 ? true : undefined), 600_000);

async function list(api: string, services: Proc): Promise<string> {
  log(`list: creating ${APPS} apps`);
  for (let i = 0; i < APPS; i += 50) {
    await Promise.all(Array.from({ length: Math.min(50, APPS - i) }, (_, k) =>
      send(api, 'POST', '/v2/apps', {
        id: `/bench/group-${Math.floor((i + k) / 100)}/app-${i + k}`, cmd: 'sleep 3600', cpus: 0.01, mem: 8, instances: 1, portDefinitions: [],
        labels: { team: `t${(i + k) % 7}` }, env: { MODE: 'bench' },
      }).then((r) => {
        if (r.status !== 201) throw new Error(`create failed: ${r.status} ${JSON.stringify(r.json)}`);
      })));
  }
  await waitFor(`${APPS} running`, async () => {
    const apps = (await send(api, 'GET', '/v2/apps')).json.apps as { tasksRunning: number }[];
    return apps.filter((a) => a.tasksRunning === 1).length === APPS ? true : undefined;
  }, 600_000);
  await idle(api);
  const bytes = (await (await fetch(`${api}/v2/apps`)).arrayBuffer()).byteLength;
  log(`list: ${APPS} apps running; GET /v2/apps is ${(bytes / 1024).toFixed(0)} KiB; ${CONNECTIONS} clients for ${SECONDS} s`);
  const cpu0 = cpuSeconds(services.pid);
  const until = performance.now() + SECONDS * 1000;
  let done = 0;
  const lat: number[] = [];
  await Promise.all(Array.from({ length: CONNECTIONS }, async () => {
    while (performance.now() < until) {
      const t = performance.now();
      const res = await fetch(`${api}/v2/apps`);
      await res.arrayBuffer();
      if (res.status !== 200) throw new Error(`GET /v2/apps: ${res.status}`);
      lat.push(performance.now() - t);
      done++;
    }
  }));
  const cpu = cpuSeconds(services.pid) - cpu0;
  lat.sort((a, b) => a - b);
  const p = (q: number) => lat[Math.min(lat.length - 1, Math.floor(q * lat.length))]!.toFixed(1);
  const result = `services list apps=${APPS} rps=${(done / SECONDS).toFixed(0)} p50_ms=${p(0.5)} p99_ms=${p(0.99)} response_kib=${(bytes / 1024).toFixed(0)} services_cpu_s=${cpu.toFixed(2)} services_cpu_ms_per_request=${((cpu * 1000) / done).toFixed(2)} services_rss_mib=${rssMiB(services.pid).toFixed(0)}`;
  log('list: removing the apps');
  await send(api, 'DELETE', '/v2/groups/bench');
  await idle(api);
  return result;
}

async function scaleUp(api: string, services: Proc): Promise<string> {
  const r = await send(api, 'POST', '/v2/apps', { id: '/bench/big', cmd: 'sleep 3600', cpus: 0.01, mem: 8, instances: 0, portDefinitions: [] });
  if (r.status !== 201) throw new Error(`create failed: ${r.status} ${JSON.stringify(r.json)}`);
  await idle(api);
  log(`scale: 0 → ${INSTANCES}`);
  const cpu0 = cpuSeconds(services.pid);
  const t0 = performance.now();
  const put = await send(api, 'PUT', '/v2/apps/bench/big', { instances: INSTANCES });
  if (put.status !== 200) throw new Error(`scale failed: ${put.status} ${JSON.stringify(put.json)}`);
  let last = -1;
  await waitFor(`${INSTANCES} running`, async () => {
    const app = (await send(api, 'GET', '/v2/apps/bench/big')).json.app as { tasksRunning: number };
    if (app.tasksRunning !== last && Math.floor(app.tasksRunning / 1000) !== Math.floor(last / 1000)) log(`  ${app.tasksRunning} running after ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    last = app.tasksRunning;
    return app.tasksRunning === INSTANCES ? true : undefined;
  }, 600_000);
  const seconds = (performance.now() - t0) / 1000;
  await idle(api);
  const cpu = cpuSeconds(services.pid) - cpu0;
  return `services scale instances=${INSTANCES} agents=${AGENTS} seconds=${seconds.toFixed(2)} services_cpu_s=${cpu.toFixed(1)} services_rss_mib=${rssMiB(services.pid).toFixed(0)}`;
}

async function main(): Promise<void> {
  log(`machine: ${machine()}`);
  const [mport, sport] = [await freePort(), await freePort()];
  const masterUrl = `http://127.0.0.1:${mport}`;
  const api = `http://127.0.0.1:${sport}`;
  const procs: Proc[] = [];
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => void Promise.all(procs.map((p) => p.stop())).then(() => process.exit(130)));
  }
  try {
    procs.push(startProcess([AGORA_BIN, 'master', `--port=${mport}`, '--log-level=error', '--allocation-interval=200ms']));
    await waitFor('the master', async () => ((await fetch(`${masterUrl}/health`)).ok ? true : undefined), 60_000);
    procs.push(startProcess(['--import', 'tsx', 'bench/launch/agents-main.ts', `127.0.0.1:${mport}`, String(AGENTS), 'cpus:8;mem:16384;disk:102400;ports:[31000-32000]'], {
      env: { NODE_OPTIONS: '--max-old-space-size=8192' }, quiet: true,
    }));
    await waitFor(`${AGENTS} agents`, async () => {
      const snap = (await (await fetch(`${masterUrl}/metrics/snapshot`)).json()) as Record<string, number>;
      return snap['master/slaves_active'] === AGENTS ? true : undefined;
    }, 600_000);
    // BENCH_SERVICES_FLAGS='--launch-window=1000 …' passes flags to the daemon under test.
    const extra = (process.env.BENCH_SERVICES_FLAGS ?? '').split(' ').filter(Boolean);
    const services = startProcess([AGORA_BIN, 'services', `--master=127.0.0.1:${mport}`, `--http-port=${sport}`, '--log-level=error', ...extra], {
      nodeArgs: (process.env.BENCH_SERVICES_NODE_ARGS ?? '').split(' ').filter(Boolean),
    });
    procs.push(services);
    await waitFor('the services API', async () => ((await send(api, 'GET', '/v2/info')).json?.elected ? true : undefined), 60_000);
    await waitFor('the framework to subscribe', async () => ((await send(api, 'GET', '/v2/info')).json?.frameworkId ? true : undefined), 60_000);
    if (run('list')) console.log(await list(api, services));
    if (run('scale')) console.log(await scaleUp(api, services));
  } finally {
    for (const p of procs.reverse()) await p.stop();
  }
}

await main();
