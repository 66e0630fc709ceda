/**
 * gang: a job that needs N slots at once, all or nothing (the shape of MPI on Mesos).
 *   node --import tsx frameworks/examples/gang/main.ts --master URL --size 2 -- sh -c 'echo member $GANG_RANK'
 *   node --import tsx frameworks/examples/gang/main.ts --master URL --size 2 --mpi -- python3 "$PWD/frameworks/examples/gang/allreduce.py"
 *
 * Offers are held, not declined, until together they fit --size members on distinct agents
 * (--per-agent allows more per agent); then every member is launched in one go. If that does not
 * happen within --offer-timeout, every held offer is declined and the job fails. If a member fails,
 * the others are killed. Members get GANG_RANK, GANG_SIZE, GANG_PORT (a port of their offer) and
 * GANG_MEMBERS (every member's host:port).
 *
 * --mpi: member 0 runs `mpirun` over the N slots, and every other member runs slot.ts, which starts
 * the orted that mpirun asks for through rsh.ts (its "remote shell") inside that member's task.
 * At the end member 0's stdout (under mpirun: every rank's output) is printed.
 */
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { buildCommandTask, isTerminalState, parseResourceSpec, SchedulerDriver, type Offer, type TaskState } from '@agora/sdk';
import { planGang, type Member } from './plan.ts';

const { values: opts, positionals: command } = parseArgs({
  allowPositionals: true,
  options: {
    master: { type: 'string', default: process.env.AGORA_MASTER ?? 'http://127.0.0.1:5050' },
    size: { type: 'string', default: '2' },
    'per-agent': { type: 'string', default: '1' },
    resources: { type: 'string', default: 'cpus:0.1;mem:64' }, // per member, plus one port
    'offer-timeout': { type: 'string', default: '30' }, // seconds to gather the gang
    timeout: { type: 'string', default: '300' }, // seconds for the whole job
    mpi: { type: 'boolean', default: false },
  },
});
const size = Number(opts.size);
const perAgent = Number(opts['per-agent']);
const spec = parseResourceSpec(opts.resources);
if (command.length === 0 || !(size >= 1) || !(perAgent >= 1) || !spec.ok) {
  console.error('usage: main.ts [--master URL] [--size N] [--per-agent K] [--resources SPEC] [--offer-timeout S] [--timeout S] [--mpi] -- COMMAND...');
  process.exit(2);
}

const quote = (word: string) => `'${word.replaceAll("'", `'\\''`)}'`;
const shell = (words: readonly string[]) => words.map(quote).join(' ');
// The agents run on this machine, so members can start these scripts from this checkout. (Paths,
// not file: URLs: Open MPI splits plm_rsh_agent at colons.)
const nodeScript = (name: string) => [process.execPath, '--import', new URL(import.meta.resolve('tsx')).pathname, new URL(name, import.meta.url).pathname];
const token = randomUUID(); // slot.ts runs only what carries it
const taskId = (m: Member) => `member-${m.rank}`;

function commandOf(m: Member, gang: readonly Member[]): string {
  if (!opts.mpi) return shell(command);
  if (m.rank > 0) return shell([...nodeScript('slot.ts'), String(m.port)]);
  // rtc_hwloc_vmhole=none: orteds sharing a host with mpirun otherwise crash in hwloc's shared topology.
  const hosts = ['localhost:1', ...gang.slice(1).map((o) => `slot-${o.rank}:1`)].join(',');
  return shell(['mpirun', '--allow-run-as-root', '--mca', 'plm_rsh_agent', nodeScript('rsh.ts').join(' '), '--mca', 'rtc_hwloc_vmhole', 'none', '--host', hosts, '-np', String(size), ...command]);
}

function envOf(m: Member, gang: readonly Member[]): Record<string, string> {
  const passOn = Object.entries(process.env).filter((e): e is [string, string] => e[0].startsWith('OMPI_MCA_') && e[1] !== undefined);
  return {
    ...Object.fromEntries(passOn),
    GANG_RANK: String(m.rank), GANG_SIZE: String(size), GANG_PORT: String(m.port), GANG_TOKEN: token,
    GANG_MEMBERS: gang.map((o) => `${o.offer.hostname}:${o.port}`).join(','),
    GANG_SLOTS: gang.slice(1).map((o) => `slot-${o.rank}=${o.offer.hostname}:${o.port}`).join(','),
  };
}

const held = new Map<string, Offer>(); // offers kept while the gang is gathered
const states = new Map<string, TaskState>(); // member task ID → latest state
let gang: Member[] = [];
let phase: 'gathering' | 'running' | 'done' = 'gathering';
let failure: string | undefined;
let output: string | undefined;

async function launchGang(d: SchedulerDriver, members: Member[]): Promise<void> {
  phase = 'running';
  gang = members;
  for (const m of members) states.set(taskId(m), 'TASK_STAGING');
  for (const agent of new Set(members.map((m) => m.offer.agent_id.value))) {
    const tasks = members.filter((m) => m.offer.agent_id.value === agent).map((m) =>
      buildCommandTask({ name: taskId(m), id: taskId(m), command: commandOf(m, members), env: envOf(m, members), resources: {} }, agent, m.resources));
    console.error(`gang: ${tasks.map((t) => t.task_id.value).join(', ')} → agent ${agent}`);
    // One ACCEPT per agent, with every offer held from it (what the members leave is declined).
    const r = await d.launch([...held.values()].filter((o) => o.agent_id.value === agent), tasks);
    if (!r.ok) failure ??= `launching on ${agent} failed: ${r.error.message}`;
  }
  const unused = [...held.values()].filter((o) => !members.some((m) => m.offer.agent_id.value === o.agent_id.value));
  if (unused.length > 0) await d.decline(unused, { refuse_seconds: 60 });
  held.clear();
  await d.suppress();
}

/** Member 0's stdout, from its sandbox through the agent's /files API. */
async function memberOutput(d: SchedulerDriver, m: Member): Promise<string> {
  const a = m.offer.url?.address;
  const path = `/frameworks/${d.frameworkId}/executors/${taskId(m)}/runs/latest/stdout`;
  const res = await fetch(`${m.offer.url?.scheme ?? 'http'}://${a?.ip ?? a?.hostname ?? m.offer.hostname}:${a?.port ?? 5051}/files/download?path=${encodeURIComponent(path)}`);
  return res.ok ? res.text() : `(could not read ${taskId(m)}'s stdout: HTTP ${res.status})`;
}

const driver = new SchedulerDriver({
  master: opts.master,
  framework: { name: `gang of ${size}` },
  scheduler: {
    subscribed: (_d, info) => console.error(`gang: framework ${info.frameworkId}, gathering ${size} slots (${perAgent} per agent at most)`),
    async offers(d, offers) {
      if (phase !== 'gathering') return void (await d.decline(offers, { refuse_seconds: 3600 }));
      for (const o of offers) held.set(o.id.value, o);
      const plan = planGang([...held.values()], size, perAgent, spec.value);
      if (plan.ok) return launchGang(d, plan.members);
      console.error(`gang: holding ${held.size} offer(s): ${plan.slots} of ${size} slots on ${plan.agents} agent(s)`);
    },
    rescind: (offerId) => void held.delete(offerId.value),
    async update(d, status) {
      const id = status.task_id.value;
      if (!states.has(id)) return;
      states.set(id, status.state);
      console.error(`${id}: ${status.state}${status.message ? ` (${status.message})` : ''}`);
      if (isTerminalState(status.state) && status.state !== 'TASK_FINISHED' && failure === undefined) {
        failure = `${id} ended ${status.state}: the rest of the gang was killed`;
        for (const [other, state] of states) if (!isTerminalState(state)) await d.kill(other);
      }
      if (phase === 'running' && [...states.values()].every(isTerminalState)) {
        phase = 'done';
        output = await memberOutput(d, gang[0]!).catch((e: unknown) => `(could not read member-0's stdout: ${String(e)})`);
        void d.teardown();
      }
    },
    error: (message) => void (failure ??= `framework error: ${message}`),
  },
}).start();

const offerTimer = setTimeout(() => {
  if (phase !== 'gathering') return;
  failure = `could not gather ${size} slots (${perAgent} per agent at most) within ${opts['offer-timeout']}s`;
  void driver.decline([...held.values()], { refuse_seconds: 0 }).then(() => driver.teardown());
}, Number(opts['offer-timeout']) * 1000);
const jobTimer = setTimeout(() => {
  failure ??= `timed out after ${opts.timeout}s`;
  void driver.teardown(); // kills whatever still runs
}, Number(opts.timeout) * 1000);
await driver.done;
clearTimeout(offerTimer);
clearTimeout(jobTimer);
for (const m of gang) console.log(`${taskId(m)} ${m.offer.hostname}:${m.port} ${states.get(taskId(m))}`);
if (output !== undefined) process.stdout.write(`--- member-0 stdout ---\n${output}`);
const ok = failure === undefined && gang.length === size && gang.every((m) => states.get(taskId(m)) === 'TASK_FINISHED');
if (!ok) console.error(`gang: ${failure ?? 'stopped before the job finished'}`);
process.exit(ok ? 0 : 1);
