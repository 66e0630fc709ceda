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
// Progress every 5 s; the running tasks (a walk over 100,000 of them) only every 30 s.
let reports = 0;
const progress = setInterval(() => {
  if (reports++ % 6 === 0) {
    const s = agents.stats();
    process.stderr.write(`  agents: ${s.registered}/${count} registered, ${s.tasksRunning} tasks running\n`);
  } else {
    process.stderr.write(`  agents: ${agents.agents.filter((a) => a.registered).length}/${count} registered\n`);
  }
}, 5000);
await agents.allRegistered();
process.stdout.write('ready\n');
// After a failover: the moment every agent is registered again (with the new leader), as the
// agents see it — the AGENT_REREGISTERED replies — so the benchmark need not poll the master.
// Checked every 20 ms without walking all 10,000 agents each time (this process shares the 2
// cores with the master under test): while some are missing, resume from the first missing one.
let lost = false;
let cursor = 0;
setInterval(() => {
  const all = agents.agents;
  if (!lost) {
    // Connected: a full walk, to notice the failover.
    if (all.every((a) => a.registered)) return;
    lost = true;
    cursor = 0;
  }
  while (cursor < count && all[cursor]!.registered) cursor++;
  if (cursor < count) return;
  // Every agent was seen registered since the cursor passed it; confirm none has dropped meanwhile.
  cursor = all.findIndex((a) => !a.registered);
  if (cursor >= 0) return;
  lost = false;
  process.stdout.write(`all-registered ${Date.now()}\n`);
  // What one agent's REREGISTER_AGENT weighs on the wire (the master parses 10,000 of them).
  const sample = all[0]?.core.masterHandlers.registration();
  if (sample) process.stderr.write(`  one REREGISTER_AGENT: ${JSON.stringify([sample]).length} bytes\n`);
}, 20).unref();
process.once('SIGTERM', () => {
  clearInterval(progress);
  void agents.close().then(() => process.exit(0));
});
