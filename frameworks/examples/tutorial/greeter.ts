/**
 * Tutorial step 2 (docs/writing-a-framework.md): a scheduler whose tasks run on the custom
 * executor in executor.ts. It puts the executor and three tasks on one offer, prints the
 * executor's framework messages, asks it how many names it greeted once all three tasks have
 * finished, and tears down when it has the answer.
 *   node --import tsx frameworks/examples/tutorial/greeter.ts
 */
// #region executor-info
import { isTerminalState, matchOffer, SchedulerDriver, type ExecutorInfo, type TaskInfo } from '@agora/sdk';

// The agent runs on this machine, so it can start the executor from this checkout with node + tsx.
const executor: Omit<ExecutorInfo, 'resources'> = {
  executor_id: { value: 'greeter' },
  type: 'CUSTOM',
  command: {
    shell: false,
    value: process.execPath,
    arguments: [process.execPath, '--import', import.meta.resolve('tsx'), new URL('executor.ts', import.meta.url).pathname],
  },
};
// #endregion executor-info

// #region driver
const names = ['Ada', 'Grace', 'Edsger'];
const ended = new Set<string>();
let launched = false;

const driver = new SchedulerDriver({
  master: process.env.AGORA_MASTER ?? 'http://127.0.0.1:5050',
  framework: { name: 'greeter' },
  scheduler: {
    async offers(d, offers) {
      for (const offer of offers) {
        // The executor's own resources first, then one slot per task: all of them must fit.
        const m = matchOffer(offer, [{ resources: { cpus: 0.1, mem: 64 } }, ...names.map(() => ({ resources: { cpus: 0.1, mem: 16 } }))]);
        if (launched || !m.ok || m.value.unplaced.length > 0) {
          await d.decline([offer], { refuse_seconds: 30 });
          continue;
        }
        const [forExecutor, ...forTasks] = m.value.placed;
        const tasks: TaskInfo[] = names.map((name, i) => ({
          name: `greet ${name}`,
          task_id: { value: `greet-${name.toLowerCase()}` },
          agent_id: offer.agent_id,
          resources: forTasks[i]!.resources,
          executor: { ...executor, resources: forExecutor!.resources }, // the same executor for all three
          data: Buffer.from(name).toString('base64'),
        }));
        launched = true;
        await d.launch(offer, tasks);
      }
    },
    async update(d, status) {
      console.log(`${status.task_id.value}: ${status.state}`);
      if (isTerminalState(status.state)) ended.add(status.task_id.value);
      if (ended.size === names.length && isTerminalState(status.state)) {
        await d.message(status.agent_id!, 'greeter', 'how many?'); // scheduler → executor
      }
    },
    async message(_agentId, executorId, data) {
      const text = new TextDecoder().decode(data);
      console.log(`${executorId.value} says: ${text}`);
      if (text.startsWith('greeted')) await driver.teardown(); // the agent then shuts the executor down
    },
  },
}).start();

await driver.done;
// #endregion driver
