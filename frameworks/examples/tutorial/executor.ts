/**
 * Tutorial step 2 (docs/writing-a-framework.md): a custom executor. One process on an agent runs
 * every task the greeter framework sends there: it greets the name in the task's `data` with a
 * framework message and finishes the task. Asked `how many?`, it answers how many it greeted.
 */
// #region executor
import { ExecutorDriver, formatEnvironmentError, type Executor } from '@agora/sdk';

let greeted = 0;

const created = ExecutorDriver.create({
  env: process.env, // MESOS_FRAMEWORK_ID, MESOS_EXECUTOR_ID, MESOS_AGENT_ENDPOINT … set by the agent
  executor: (driver): Executor => ({
    launch(task) {
      driver.sendStatusUpdate({ task_id: task.task_id, state: 'TASK_RUNNING' });
      const name = Buffer.from(task.data ?? '', 'base64').toString('utf8');
      greeted++;
      driver.sendFrameworkMessage(`hello, ${name}!`); // executor → scheduler
      driver.sendStatusUpdate({ task_id: task.task_id, state: 'TASK_FINISHED' });
    },
    kill(taskId) {
      driver.sendStatusUpdate({ task_id: taskId, state: 'TASK_KILLED' });
    },
    message(data) {
      if (new TextDecoder().decode(data) === 'how many?') {
        driver.sendFrameworkMessage(`greeted ${greeted} names in process ${process.pid}`);
      }
    },
    shutdown() {
      driver.stop(); // the framework is gone, or the agent wants us gone: end the process
      process.exit(0);
    },
  }),
});
if (!created.ok) {
  console.error(formatEnvironmentError(created.error)); // names the missing MESOS_* variable
  process.exit(1);
}
created.value.start();
// #endregion executor
