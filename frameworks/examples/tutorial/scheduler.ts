/**
 * Tutorial step 1 (docs/writing-a-framework.md): the smallest useful framework. It launches one
 * command task on the first offer that fits, prints the task's updates, and tears itself down
 * when the task has ended.
 *   node --import tsx frameworks/examples/tutorial/scheduler.ts
 */
// #region scheduler
import { isTerminalState, planCommandTasks, SchedulerDriver, type Scheduler } from '@agora/sdk';

let launched = false;

const scheduler: Scheduler = {
  subscribed(_driver, info) {
    console.log(`subscribed as ${info.frameworkId}`);
  },

  async offers(driver, offers) {
    for (const offer of offers) {
      const plan = planCommandTasks(offer, [
        { name: 'greeting', command: 'echo "hello from $(hostname)"', resources: { cpus: 0.1, mem: 32 } },
      ]);
      if (launched || !plan.ok || plan.value.tasks.length === 0) {
        await driver.decline([offer], { refuse_seconds: 30 }); // not needed: keep it away for 30 s
        continue;
      }
      launched = true;
      await driver.launch(offer, plan.value.tasks);
    }
  },

  async update(driver, status) {
    const name = status.task_id.value.split('.')[0]; // IDs are `<name>.<uuid>`
    console.log(`${name}: ${status.state}${status.message ? ` (${status.message})` : ''}`);
    if (isTerminalState(status.state)) await driver.teardown(); // done: remove the framework
  },

  error(message) {
    console.error(`framework error: ${message}`);
  },
};
// #endregion scheduler

// #region driver
const driver = new SchedulerDriver({
  master: process.env.AGORA_MASTER ?? 'http://127.0.0.1:5050',
  framework: { name: 'tutorial' },
  scheduler,
}).start();

const why = await driver.done; // { reason: 'teardown' } here
console.log(`driver stopped: ${why.reason}`);
// #endregion driver
