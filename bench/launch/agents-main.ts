/**
 * A process full of emulated agents (the real agent core and protocol, fake containers) for the
 * launch benchmarks: `node --import tsx bench/launch/agents-main.ts <master host:port> <count> [resources]`.
 * Prints `ready` once every agent has registered; stops on SIGTERM.
 */
import { startEmulatedAgents } from '@agora/agent';

const [master, countText, resources] = process.argv.slice(2);
const count = Number(countText);
const started = await startEmulatedAgents({ master: master!, count, ...(resources ? { resources } : {}), connectConcurrency: 128 });
if (!started.ok) {
  process.stderr.write(`emulated agents: ${started.error}\n`);
  process.exit(1);
}
const agents = started.value;
const progress = setInterval(() => {
  const s = agents.stats();
  process.stderr.write(`  agents: ${s.registered}/${count} registered, ${s.tasksRunning} tasks running\n`);
}, 5000);
await agents.allRegistered();
process.stdout.write('ready\n');
process.once('SIGTERM', () => {
  clearInterval(progress);
  void agents.close().then(() => process.exit(0));
});
