/**
 * `agora local`'s command line: its own flags, plus any master or agent flag, routed by the
 * daemons' flag tables (a flag both know, such as --ip or --log-level, goes to both). Flags
 * `agora local` sets per process itself (ports, work dirs, the agents' --master) are refused
 * with a pointer to the local flag that controls them.
 */
import { err, ok, type Result } from '@agora/protocol';
import type { FlagSpec, FlagTable } from '@agora/runtime';
import { parseDuration } from '../duration.ts';

export interface LocalOptions {
  agents: number;
  /** Undefined: a fresh temporary directory, removed after a clean shutdown. */
  workDir: string | undefined;
  port: number;
  /** First agent port (the rest follow); default port + 1. */
  agentPort: number;
  json: boolean;
  ha: boolean;
  keep: boolean;
  help: boolean;
  timeoutMs: number;
  stopTimeoutMs: number;
  /** The services framework's /v2 API port; 0: do not start it. */
  servicesPort: number;
  /** The cron framework's API port; 0: do not start it. */
  cronPort: number;
}

export interface LocalPlan {
  options: LocalOptions;
  masterArgs: string[];
  agentArgs: string[];
}

type Own = 'int' | 'bool' | 'string' | 'duration';
const OWN: Record<string, Own> = {
  agents: 'int', 'work-dir': 'string', port: 'int', 'agent-port': 'int', json: 'bool', ha: 'bool', keep: 'bool', help: 'bool',
  timeout: 'duration', 'stop-timeout': 'duration', 'services-port': 'int', 'cron-port': 'int',
};

/** Set by `agora local` for each process; the value explains what to use instead. */
const MANAGED: Record<string, string> = {
  master: 'the agents are pointed at the local master',
  'runtime-dir': 'each agent gets its own under --work-dir',
  'advertise-ip': 'set --ip instead',
  zk: 'agora local --ha runs its own ZooKeeper and points the masters at it',
  quorum: 'agora local --ha sets it for its three masters',
};

const canonical = (name: string) => name.replace(/_/g, '-');

function takesValue(spec: FlagSpec | undefined): boolean {
  return spec !== undefined && spec.type !== 'bool';
}

export function splitLocalArgs(argv: readonly string[], masterFlags: FlagTable, agentFlags: FlagTable): Result<LocalPlan, string> {
  const master = new Map(Object.entries(masterFlags).map(([k, v]) => [canonical(k), v]));
  const agent = new Map(Object.entries(agentFlags).map(([k, v]) => [canonical(k), v]));
  const own = new Map<string, string>();
  const masterArgs: string[] = [];
  const agentArgs: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '-h') {
      own.set('help', 'true');
      continue;
    }
    if (!arg.startsWith('--') || arg === '--') return err(`unexpected argument '${arg}' (agora local takes only flags; see --help)`);
    const eq = arg.indexOf('=');
    let name = canonical(eq >= 0 ? arg.slice(2, eq) : arg.slice(2));
    let value: string | undefined = eq >= 0 ? arg.slice(eq + 1) : undefined;
    let negated = false;
    if (!OWN[name] && !master.has(name) && !agent.has(name) && name.startsWith('no-') && value === undefined) {
      negated = true;
      name = name.slice(3);
    }
    if (MANAGED[name]) return err(`--${name} cannot be given to agora local: ${MANAGED[name]}`);
    const ownType = OWN[name];
    const m = master.get(name);
    const a = agent.get(name);
    if (ownType === undefined && m === undefined && a === undefined) return err(`unknown flag --${name}: not an agora local, master or agent flag (see --help)`);
    const isBool = ownType !== undefined ? ownType === 'bool' : !takesValue(m ?? a);
    if (negated && !isBool) return err(`--no-${name}: --${name} is not a boolean flag`);
    if (value === undefined) {
      if (isBool) value = negated ? 'false' : 'true';
      else {
        const next = argv[i + 1];
        if (next === undefined) return err(`--${name}: missing value`);
        value = next;
        i++;
      }
    }
    if (ownType !== undefined) {
      own.set(name, value);
      continue;
    }
    const token = `--${name}=${value}`;
    if (m) masterArgs.push(token);
    if (a) agentArgs.push(token);
  }
  return mapResult(compileOwn(own), (options) => ({ options, masterArgs, agentArgs }));
}

function mapResult<T, U>(r: Result<T, string>, f: (t: T) => U): Result<U, string> {
  return r.ok ? ok(f(r.value)) : r;
}

function int(name: string, text: string | undefined, dflt: number, min: number, max: number): Result<number, string> {
  if (text === undefined) return ok(dflt);
  if (!/^\d+$/.test(text)) return err(`--${name}: expected an integer, got '${text}'`);
  const n = Number(text);
  if (n < min || n > max) return err(`--${name}: must be between ${min} and ${max}, got ${n}`);
  return ok(n);
}

function bool(name: string, text: string | undefined): Result<boolean, string> {
  if (text === undefined) return ok(false);
  if (['true', '1', 'yes', ''].includes(text)) return ok(true);
  if (['false', '0', 'no'].includes(text)) return ok(false);
  return err(`--${name}: expected true or false, got '${text}'`);
}

function compileOwn(own: Map<string, string>): Result<LocalOptions, string> {
  const agents = int('agents', own.get('agents'), 2, 0, 64);
  const port = int('port', own.get('port'), 5050, 1, 65535);
  if (!agents.ok) return agents;
  if (!port.ok) return port;
  // With --ha the masters take --port and the two ports after it.
  const haFlag = bool('ha', own.get('ha'));
  const ha = haFlag.ok && haFlag.value;
  const agentPort = int('agent-port', own.get('agent-port'), port.value + (ha ? 3 : 1), 1, 65535);
  if (!agentPort.ok) return agentPort;
  if (agentPort.value + agents.value - 1 > 65535) return err('--agent-port: not enough ports above it for every agent');
  if (agentPort.value <= port.value && agentPort.value + agents.value > port.value) return err(`--agent-port: agent ports ${agentPort.value}-${agentPort.value + agents.value - 1} include the master's port ${port.value}`);
  const flags: Record<string, boolean> = {};
  for (const f of ['json', 'ha', 'keep', 'help']) {
    const b = bool(f, own.get(f));
    if (!b.ok) return b;
    flags[f] = b.value;
  }
  const timeout = own.has('timeout') ? parseDuration(own.get('timeout')!) : ok(60_000);
  if (!timeout.ok) return err(`--timeout: ${timeout.error}`);
  const stop = own.has('stop-timeout') ? parseDuration(own.get('stop-timeout')!) : ok(10_000);
  if (!stop.ok) return err(`--stop-timeout: ${stop.error}`);
  const servicesPort = int('services-port', own.get('services-port'), 8080, 0, 65535);
  if (!servicesPort.ok) return servicesPort;
  const cronPort = int('cron-port', own.get('cron-port'), 4400, 0, 65535);
  if (!cronPort.ok) return cronPort;
  const workDir = own.get('work-dir');
  if (workDir === '') return err('--work-dir: empty path');
  return ok({
    agents: agents.value,
    workDir,
    port: port.value,
    agentPort: agentPort.value,
    json: flags.json!,
    ha: flags.ha!,
    keep: flags.keep!,
    help: flags.help!,
    timeoutMs: timeout.value,
    stopTimeoutMs: stop.value,
    servicesPort: servicesPort.value,
    cronPort: cronPort.value,
  });
}
