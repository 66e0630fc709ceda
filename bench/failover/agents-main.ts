/**
 * The emulated agents of bench:failover: `node --import tsx bench/failover/agents-main.ts <zk://…>
 * <count> <resources> <connections in flight>`. Like bench/launch's, with the number of
 * connection attempts in flight as a parameter: after a failover every agent dials the new leader
 * at once, and with a loaded machine's handshake latency a small window caps the reconnection
 * rate rather than either process's CPU. Prints `ready` once every agent has registered, and
 * `all-registered <epoch ms>` each time they all are again after some were not.
 */
import { startEmulatedAgents } from '@agora/agent';

const [master, countText, resources, concurrencyText] = process.argv.slice(2);
const count = Number(countText);
const started = await startEmulatedAgents({ master: master!, count, ...(resources ? { resources } : {}), connectConcurrency: Number(concurrencyText ?? 128) });
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
// After a failover: the moment every agent is registered again (with the new leader), as the
// agents see it — the AGENT_REREGISTERED replies — so the benchmark need not poll the master.
let lost = false;
setInterval(() => {
  let n = 0;
  for (const a of agents.agents) if (a.registered) n++;
  if (n < count) lost = true;
  else if (lost) {
    lost = false;
    process.stdout.write(`all-registered ${Date.now()}\n`);
  }
}, 20).unref();
process.once('SIGTERM', () => {
  clearInterval(progress);
  void agents.close().then(() => process.exit(0));
});
