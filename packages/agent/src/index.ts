/**
 * Public entry of @agora/agent: the agora agent daemon, and emulated agents for benchmarks.
 *
 *   AGENT_FLAGS                       the flag table (Mesos names)
 *   startAgent(options, deps?)        start an agent in this process → AgentHandle
 *   main(argv)                        the `agora agent` command (runDaemon; exits when the master shuts the agent down)
 *   startEmulatedAgents(options)      N agents with the real core and protocol, fake containers, no HTTP
 */
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
tasks in sandboxes under --work-dir, and serves the executor API, the agent operator API and /files.`;

export function main(argv: readonly string[]): Promise<number> {
  return runDaemon(
    {
      name: 'agora agent',
      usage: USAGE,
      flags: AGENT_FLAGS,
      async start(options) {
        const started = await startAgent(options);
        // SHUTDOWN_AGENT from the master: the agent has stopped; end the daemon as a signal would.
        if (started.ok) void started.value.shutdownByMaster.then(() => process.kill(process.pid, 'SIGTERM'));
        return started;
      },
    },
    argv,
  );
}
