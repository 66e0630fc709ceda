/**
 * Public entry of @agora/agent: the agora agent daemon, and emulated agents for benchmarks.
 *
 *   AGENT_FLAGS                       the flag table (Mesos names)
 *   startAgent(options, deps?)        start an agent in this process → AgentHandle
 *   main(argv)                        the `agora agent` command (runDaemon): SIGTERM/SIGINT exit, leaving checkpointing
 *                                     frameworks' executors running; SIGUSR1 (or the master) shuts everything down
 *   startEmulatedAgents(options)      N agents with the real core and protocol, fake containers, no HTTP
 */
import { ok } from '@agora/protocol';
import { runDaemon } from '@agora/runtime';
import { startAgent } from './agent.ts';
import { AGENT_FLAGS } from './flags.ts';

export { AGENT_FLAGS, type AgentFlags } from './flags.ts';
export { startAgent, type AgentHandle, type AgentDeps } from './agent.ts';
export { compileConfig, DEFAULT_LAUNCHER_DIR, type AgentConfig, type AgentOptions } from './config.ts';
export { startEmulatedAgents, type EmulatedAgent, type EmulatedAgents, type EmulatedAgentsOptions } from './emulated/emulated-agents.ts';
export { MESOS_COMPATIBLE_VERSION, AGORA_VERSION } from './version.ts';
export { commandPlugin, writeStreamToFile, TransferWatch, type CommandPluginSpec, type FetcherPlugin, type FetchUri, type PluginContext, type PluginResult } from './fetcher/index.ts';

const USAGE = `Usage: agora agent --master=HOST:PORT [flags]

Runs an Agora agent: registers this machine's resources with the master, runs executors and their
tasks in sandboxes under --work-dir, and serves the executor API, the agent operator API and /files.

Signals (as Mesos's agent):
  SIGTERM, SIGINT  exit; the executors and tasks of checkpointing frameworks keep running, and an
                   agent restarted with the same --work-dir recovers them (e.g. to upgrade it);
                   those of other frameworks are shut down
  SIGUSR1          shut down: unregister from the master, kill every executor and task, remove
                   their cgroups, exit (to decommission the machine, or to leave nothing behind)`;

export function main(argv: readonly string[]): Promise<number> {
  return runDaemon(
    {
      name: 'agora agent',
      usage: USAGE,
      flags: AGENT_FLAGS,
      async start(options) {
        const started = await startAgent(options);
        if (!started.ok) return started;
        const agent = started.value;
        // runDaemon ends the process on SIGINT/SIGTERM by calling `close`. A shutdown that starts
        // elsewhere (SIGUSR1, the master's SHUTDOWN_AGENT) ends it by the same road once the agent
        // has stopped — unless a signal already took it (then `close` waits for that stop).
        let daemonClosing = false;
        const end = () => {
          if (!daemonClosing) process.kill(process.pid, 'SIGTERM');
        };
        const onUsr1 = () => void agent.shutdown('SIGUSR1').then(end);
        process.on('SIGUSR1', onUsr1);
        void agent.shutdownByMaster.then(end);
        return ok({
          url: agent.url,
          close: () => {
            daemonClosing = true;
            process.off('SIGUSR1', onUsr1);
            return agent.close();
          },
        });
      },
    },
    argv,
  );
}
