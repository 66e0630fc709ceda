/**
 * hello: launch N command tasks, wait until every one has ended, print their final states and
 * exit 0 if all finished (1 otherwise).
 *   node --import tsx frameworks/examples/hello/main.ts --master http://127.0.0.1:5050 --tasks 5
 */
import { parseArgs } from 'node:util';
import { isTerminalState, planCommandTasks, SchedulerDriver, type CommandTaskSpec, type TaskState } from '@agora/sdk';

const { values: opts } = parseArgs({
  options: {
    master: { type: 'string', default: process.env.AGORA_MASTER ?? 'http://127.0.0.1:5050' },
    tasks: { type: 'string', default: '3' },
    command: { type: 'string', default: 'echo "hello from $(hostname)"' },
    timeout: { type: 'string', default: '60' }, // seconds
  },
});
const count = Number(opts.tasks);
if (!Number.isInteger(count) || count < 1) throw new Error(`--tasks: '${opts.tasks}' is not a positive integer`);
let pending: CommandTaskSpec[] = Array.from({ length: count }, (_, i) => ({
  name: `hello-${i}`, id: `hello-${i}`, command: opts.command, resources: { cpus: 0.1, mem: 32 },
}));
const final = new Map<string, TaskState>();

const driver = new SchedulerDriver({
  master: opts.master,
  framework: { name: 'hello' },
  scheduler: {
    subscribed: (_d, info) => console.error(`subscribed as ${info.frameworkId}`),
    async offers(d, offers) {
      for (const offer of offers) {
        const plan = planCommandTasks(offer, pending);
        // An offer we cannot use goes back at once, filtered so it is not re-offered for a while.
        if (!plan.ok || plan.value.tasks.length === 0) {
          await d.decline([offer], { refuse_seconds: 30 });
          continue;
        }
        pending = plan.value.unplaced;
        const r = await d.launch(offer, plan.value.tasks);
        if (!r.ok) for (const t of plan.value.tasks) ended(d, t.task_id.value, 'TASK_ERROR', r.error.message);
      }
      if (pending.length === 0) await d.suppress(); // nothing left to place: stop the offers
    },
    update: (d, status) => ended(d, status.task_id.value, status.state, status.message),
    error: (message) => console.error(`framework error: ${message}`),
  },
}).start();

function ended(d: SchedulerDriver, id: string, state: TaskState, message?: string): void {
  console.error(`${id}: ${state}${message ? ` (${message})` : ''}`);
  if (isTerminalState(state)) final.set(id, state);
  if (final.size === count) void d.teardown(); // all ended: TEARDOWN removes the framework
}

const timer = setTimeout(() => void driver.teardown(), Number(opts.timeout) * 1000);
const why = await driver.done;
clearTimeout(timer);
for (let i = 0; i < count; i++) console.log(`hello-${i} ${final.get(`hello-${i}`) ?? 'UNFINISHED'}`);
const ok = why.reason === 'teardown' && [...final.values()].filter((s) => s === 'TASK_FINISHED').length === count;
process.exit(ok ? 0 : 1);
