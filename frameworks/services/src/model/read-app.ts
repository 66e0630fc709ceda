/**
 * Reads the shape of an app JSON body into an `AppPatch`: every field optional, every value of
 * the right JSON type, deprecated fields still present. Shape errors go to the reader (422
 * "Invalid JSON"); rules about values are checked later (validate-app.ts). Unknown fields are
 * ignored, as Marathon ignores them.
 */
import type { Reader} from './json-read.ts';
import { at, idx, type JsonObject } from './json-read.ts';
import {
  HEALTH_PROTOCOLS, KILL_SELECTIONS, NETWORK_MODES, PORT_PROTOCOLS,
  type EnvValue, type HealthProtocol, type KillSelection, type NetworkMode, type PortProtocol,
} from './types.ts';

export interface RawPortDefinition { port?: number; protocol?: PortProtocol; name?: string; labels?: Record<string, string> }
export interface RawPortMapping {
  containerPort?: number; hostPort?: number; servicePort?: number; protocol?: PortProtocol; name?: string;
  labels?: Record<string, string>; networkNames?: string[];
}
export interface RawVolume { containerPath?: string; hostPath?: string; mode?: 'RW' | 'RO'; persistent?: unknown; external?: unknown }
export interface RawDocker {
  image?: string; forcePullImage?: boolean; privileged?: boolean; parameters?: { key: string; value: string }[];
  pullConfig?: { secret: string }; credential?: unknown;
  /** Deprecated: BRIDGE | HOST | NONE | USER. */
  network?: 'BRIDGE' | 'HOST' | 'NONE' | 'USER';
  /** Deprecated: moved to `container.portMappings`. */
  portMappings?: RawPortMapping[];
}
export interface RawContainer { type?: 'MESOS' | 'DOCKER'; docker?: RawDocker; appc?: unknown; volumes?: RawVolume[]; portMappings?: RawPortMapping[] }
export interface RawHealthCheck {
  protocol?: HealthProtocol; path?: string; portIndex?: number; port?: number; command?: { value?: string };
  gracePeriodSeconds?: number; intervalSeconds?: number; timeoutSeconds?: number; maxConsecutiveFailures?: number;
  delaySeconds?: number; ignoreHttp1xx?: boolean; ipProtocol?: 'IPv4' | 'IPv6';
}
export interface RawReadinessCheck {
  name?: string; protocol?: 'HTTP' | 'HTTPS'; path?: string; portName?: string; intervalSeconds?: number;
  timeoutSeconds?: number; httpStatusCodesForReady?: number[]; preserveLastResponse?: boolean;
}
export interface RawCheck {
  http?: { portIndex?: number; path?: string; scheme?: 'HTTP' | 'HTTPS' }; tcp?: { portIndex?: number };
  exec?: { command?: { shell?: string } }; intervalSeconds?: number; timeoutSeconds?: number; delaySeconds?: number;
}
export interface RawUpgradeStrategy {
  minimumHealthCapacity?: number; maximumOverCapacity?: number;
  progressDeadlineSeconds?: number; autoRollback?: boolean; canaryInstances?: number;
}
export type RawUnreachable = 'disabled' | { inactiveAfterSeconds?: number; expungeAfterSeconds?: number };
export interface RawNetwork { mode?: NetworkMode; name?: string; labels?: Record<string, string> }

/** An app body as sent: a full app (POST) or the fields to change (PUT/PATCH with partialUpdate). */
export interface AppPatch {
  id?: string; cmd?: string; args?: string[]; user?: string; env?: Record<string, EnvValue>;
  instances?: number; cpus?: number; mem?: number; disk?: number; gpus?: number; executor?: string;
  constraints?: string[][]; fetch?: { uri?: string; extract?: boolean; executable?: boolean; cache?: boolean; destPath?: string }[];
  storeUrls?: string[]; uris?: string[]; ports?: number[]; portDefinitions?: RawPortDefinition[]; requirePorts?: boolean;
  backoffSeconds?: number; backoffFactor?: number; maxLaunchDelaySeconds?: number;
  container?: RawContainer; healthChecks?: RawHealthCheck[]; readinessChecks?: RawReadinessCheck[]; check?: RawCheck;
  dependencies?: string[]; upgradeStrategy?: RawUpgradeStrategy; labels?: Record<string, string>;
  acceptedResourceRoles?: string[]; role?: string; version?: string; killSelection?: KillSelection;
  unreachableStrategy?: RawUnreachable; taskKillGracePeriodSeconds?: number; secrets?: Record<string, { source?: string }>;
  networks?: RawNetwork[]; ipAddress?: { networkName?: string; labels?: Record<string, string> }; tty?: boolean;
  executorResources?: { cpus?: number; mem?: number; disk?: number };
  resourceLimits?: { cpus?: number | 'unlimited'; mem?: number | 'unlimited' };
}

const strList = (r: Reader) => (v: unknown, p: string) => r.array(v, p, (x, q) => r.string(x, q));
const labelsOf = (r: Reader, v: unknown, p: string) => r.map(v, p, (x, q) => r.string(x, q));

function env(r: Reader, v: unknown, p: string): Record<string, EnvValue> | undefined {
  return r.map(v, p, (x, q) => {
    if (typeof x === 'string') return x;
    const o = r.object(x, q);
    if (o === undefined) return undefined;
    const s = r.required(r.string(o.secret, at(q, 'secret')), o.secret, at(q, 'secret'));
    return s === undefined ? undefined : { secret: s };
  });
}

function portDefinition(r: Reader, v: unknown, p: string): RawPortDefinition | undefined {
  const o = r.object(v, p);
  if (o === undefined) return undefined;
  return {
    port: r.int(o.port, at(p, 'port')), protocol: r.enumOf(o.protocol, at(p, 'protocol'), PORT_PROTOCOLS),
    name: r.string(o.name, at(p, 'name')), labels: labelsOf(r, o.labels, at(p, 'labels')),
  };
}

function portMapping(r: Reader, v: unknown, p: string): RawPortMapping | undefined {
  const o = r.object(v, p);
  if (o === undefined) return undefined;
  return {
    containerPort: r.int(o.containerPort, at(p, 'containerPort')), hostPort: r.int(o.hostPort, at(p, 'hostPort')),
    servicePort: r.int(o.servicePort, at(p, 'servicePort')), protocol: r.enumOf(o.protocol, at(p, 'protocol'), PORT_PROTOCOLS),
    name: r.string(o.name, at(p, 'name')), labels: labelsOf(r, o.labels, at(p, 'labels')),
    networkNames: strList(r)(o.networkNames, at(p, 'networkNames')),
  };
}

function container(r: Reader, v: unknown, p: string): RawContainer | undefined {
  const o = r.object(v, p);
  if (o === undefined) return undefined;
  const dp = at(p, 'docker');
  const d = r.object(o.docker, dp);
  const docker: RawDocker | undefined = d && {
    image: r.required(r.string(d.image, at(dp, 'image')), d.image, at(dp, 'image')),
    forcePullImage: r.boolean(d.forcePullImage, at(dp, 'forcePullImage')),
    privileged: r.boolean(d.privileged, at(dp, 'privileged')),
    parameters: r.array(d.parameters, at(dp, 'parameters'), (x, q) => {
      const po = r.object(x, q);
      if (po === undefined) return undefined;
      const key = r.required(r.string(po.key, at(q, 'key')), po.key, at(q, 'key'));
      const value = r.required(r.string(po.value, at(q, 'value')), po.value, at(q, 'value'));
      return key === undefined || value === undefined ? undefined : { key, value };
    }),
    pullConfig: readPullConfig(r, d.pullConfig, at(dp, 'pullConfig')),
    credential: d.credential ?? undefined,
    network: r.enumOf(d.network, at(dp, 'network'), ['BRIDGE', 'HOST', 'NONE', 'USER'] as const),
    portMappings: r.array(d.portMappings, at(dp, 'portMappings'), (x, q) => portMapping(r, x, q)),
  };
  return {
    type: r.enumOf(o.type, at(p, 'type'), ['MESOS', 'DOCKER'] as const),
    docker, appc: o.appc ?? undefined,
    volumes: r.array(o.volumes, at(p, 'volumes'), (x, q) => {
      const vo = r.object(x, q);
      if (vo === undefined) return undefined;
      return {
        containerPath: r.string(vo.containerPath, at(q, 'containerPath')), hostPath: r.string(vo.hostPath, at(q, 'hostPath')),
        mode: r.enumOf(vo.mode, at(q, 'mode'), ['RW', 'RO'] as const), persistent: vo.persistent ?? undefined, external: vo.external ?? undefined,
      };
    }),
    portMappings: r.array(o.portMappings, at(p, 'portMappings'), (x, q) => portMapping(r, x, q)),
  };
}

function readPullConfig(r: Reader, v: unknown, p: string): { secret: string } | undefined {
  const o = r.object(v, p);
  if (o === undefined) return undefined;
  const secret = r.required(r.string(o.secret, at(p, 'secret')), o.secret, at(p, 'secret'));
  return secret === undefined ? undefined : { secret };
}

function healthCheck(r: Reader, v: unknown, p: string): RawHealthCheck | undefined {
  const o = r.object(v, p);
  if (o === undefined) return undefined;
  const c = r.object(o.command, at(p, 'command'));
  return {
    protocol: r.enumOf(o.protocol, at(p, 'protocol'), HEALTH_PROTOCOLS), path: r.string(o.path, at(p, 'path')),
    portIndex: r.int(o.portIndex, at(p, 'portIndex')), port: r.int(o.port, at(p, 'port')),
    command: c && { value: r.string(c.value, at(at(p, 'command'), 'value')) },
    gracePeriodSeconds: r.int(o.gracePeriodSeconds, at(p, 'gracePeriodSeconds')),
    intervalSeconds: r.int(o.intervalSeconds, at(p, 'intervalSeconds')),
    timeoutSeconds: r.int(o.timeoutSeconds, at(p, 'timeoutSeconds')),
    maxConsecutiveFailures: r.int(o.maxConsecutiveFailures, at(p, 'maxConsecutiveFailures')),
    delaySeconds: r.int(o.delaySeconds, at(p, 'delaySeconds')),
    ignoreHttp1xx: r.boolean(o.ignoreHttp1xx, at(p, 'ignoreHttp1xx')),
    ipProtocol: r.enumOf(o.ipProtocol, at(p, 'ipProtocol'), ['IPv4', 'IPv6'] as const),
  };
}

function readinessCheck(r: Reader, v: unknown, p: string): RawReadinessCheck | undefined {
  const o = r.object(v, p);
  if (o === undefined) return undefined;
  return {
    name: r.string(o.name, at(p, 'name')), protocol: r.enumOf(o.protocol, at(p, 'protocol'), ['HTTP', 'HTTPS'] as const),
    path: r.string(o.path, at(p, 'path')), portName: r.string(o.portName, at(p, 'portName')),
    intervalSeconds: r.int(o.intervalSeconds, at(p, 'intervalSeconds')), timeoutSeconds: r.int(o.timeoutSeconds, at(p, 'timeoutSeconds')),
    httpStatusCodesForReady: r.array(o.httpStatusCodesForReady, at(p, 'httpStatusCodesForReady'), (x, q) => r.int(x, q)),
    preserveLastResponse: r.boolean(o.preserveLastResponse, at(p, 'preserveLastResponse')),
  };
}

function check(r: Reader, v: unknown, p: string): RawCheck | undefined {
  const o = r.object(v, p);
  if (o === undefined) return undefined;
  const h = r.object(o.http, at(p, 'http'));
  const t = r.object(o.tcp, at(p, 'tcp'));
  const e = r.object(o.exec, at(p, 'exec'));
  const ec = e && r.object(e.command, at(at(p, 'exec'), 'command'));
  return {
    http: h && {
      portIndex: r.int(h.portIndex, at(at(p, 'http'), 'portIndex')), path: r.string(h.path, at(at(p, 'http'), 'path')),
      scheme: r.enumOf(h.scheme, at(at(p, 'http'), 'scheme'), ['HTTP', 'HTTPS'] as const),
    },
    tcp: t && { portIndex: r.int(t.portIndex, at(at(p, 'tcp'), 'portIndex')) },
    exec: e && { command: ec && { shell: r.string(ec.shell, at(at(at(p, 'exec'), 'command'), 'shell')) } },
    intervalSeconds: r.int(o.intervalSeconds, at(p, 'intervalSeconds')), timeoutSeconds: r.int(o.timeoutSeconds, at(p, 'timeoutSeconds')),
    delaySeconds: r.int(o.delaySeconds, at(p, 'delaySeconds')),
  };
}

function unreachable(r: Reader, v: unknown, p: string): RawUnreachable | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return v === 'disabled' ? 'disabled' : r.fail(p, 'error.expected.jsobject');
  const o = r.object(v, p);
  if (o === undefined) return undefined;
  return {
    inactiveAfterSeconds: r.long(o.inactiveAfterSeconds, at(p, 'inactiveAfterSeconds')),
    expungeAfterSeconds: r.long(o.expungeAfterSeconds, at(p, 'expungeAfterSeconds')),
  };
}

function limit(r: Reader, v: unknown, p: string): number | 'unlimited' | undefined {
  if (v === 'unlimited') return 'unlimited';
  return r.number(v, p);
}

/** Reads one app object found at `path` (`/` for a request body, `/apps(0)` inside a group). */
export function readApp(r: Reader, v: unknown, path: string): AppPatch | undefined {
  const o: JsonObject | undefined = r.object(v, path);
  if (o === undefined) return undefined;
  const f = (k: string) => at(path, k);
  const us = r.object(o.upgradeStrategy, f('upgradeStrategy'));
  const ip = r.object(o.ipAddress, f('ipAddress'));
  const er = r.object(o.executorResources, f('executorResources'));
  const rl = r.object(o.resourceLimits, f('resourceLimits'));
  return {
    id: r.string(o.id, f('id')), cmd: r.string(o.cmd, f('cmd')), args: strList(r)(o.args, f('args')), user: r.string(o.user, f('user')),
    env: env(r, o.env, f('env')), instances: r.int(o.instances, f('instances')),
    cpus: r.number(o.cpus, f('cpus')), mem: r.number(o.mem, f('mem')), disk: r.number(o.disk, f('disk')), gpus: r.int(o.gpus, f('gpus')),
    executor: r.string(o.executor, f('executor')),
    constraints: r.array(o.constraints, f('constraints'), (x, q) => r.array(x, q, (y, s) => r.string(y, s))),
    fetch: r.array(o.fetch, f('fetch'), (x, q) => {
      const fo = r.object(x, q);
      if (fo === undefined) return undefined;
      return {
        uri: r.required(r.string(fo.uri, at(q, 'uri')), fo.uri, at(q, 'uri')), extract: r.boolean(fo.extract, at(q, 'extract')),
        executable: r.boolean(fo.executable, at(q, 'executable')), cache: r.boolean(fo.cache, at(q, 'cache')),
        destPath: r.string(fo.destPath, at(q, 'destPath')),
      };
    }),
    storeUrls: strList(r)(o.storeUrls, f('storeUrls')), uris: strList(r)(o.uris, f('uris')),
    ports: r.array(o.ports, f('ports'), (x, q) => r.int(x, q)),
    portDefinitions: r.array(o.portDefinitions, f('portDefinitions'), (x, q) => portDefinition(r, x, q)),
    requirePorts: r.boolean(o.requirePorts, f('requirePorts')),
    backoffSeconds: r.int(o.backoffSeconds, f('backoffSeconds')), backoffFactor: r.number(o.backoffFactor, f('backoffFactor')),
    maxLaunchDelaySeconds: r.int(o.maxLaunchDelaySeconds, f('maxLaunchDelaySeconds')),
    container: container(r, o.container, f('container')),
    healthChecks: r.array(o.healthChecks, f('healthChecks'), (x, q) => healthCheck(r, x, q)),
    readinessChecks: r.array(o.readinessChecks, f('readinessChecks'), (x, q) => readinessCheck(r, x, q)),
    check: check(r, o.check, f('check')),
    dependencies: strList(r)(o.dependencies, f('dependencies')),
    upgradeStrategy: us && {
      minimumHealthCapacity: r.number(us.minimumHealthCapacity, at(f('upgradeStrategy'), 'minimumHealthCapacity')),
      maximumOverCapacity: r.number(us.maximumOverCapacity, at(f('upgradeStrategy'), 'maximumOverCapacity')),
      progressDeadlineSeconds: r.int(us.progressDeadlineSeconds, at(f('upgradeStrategy'), 'progressDeadlineSeconds')),
      autoRollback: r.boolean(us.autoRollback, at(f('upgradeStrategy'), 'autoRollback')),
      canaryInstances: r.int(us.canaryInstances, at(f('upgradeStrategy'), 'canaryInstances')),
    },
    labels: labelsOf(r, o.labels, f('labels')),
    acceptedResourceRoles: strList(r)(o.acceptedResourceRoles, f('acceptedResourceRoles')),
    role: r.string(o.role, f('role')), version: r.timestamp(o.version, f('version')),
    killSelection: r.enumOf(o.killSelection, f('killSelection'), KILL_SELECTIONS),
    unreachableStrategy: unreachable(r, o.unreachableStrategy, f('unreachableStrategy')),
    taskKillGracePeriodSeconds: r.int(o.taskKillGracePeriodSeconds, f('taskKillGracePeriodSeconds')),
    secrets: r.map(o.secrets, f('secrets'), (x, q) => {
      const so = r.object(x, q);
      return so && { source: r.required(r.string(so.source, at(q, 'source')), so.source, at(q, 'source')) };
    }),
    networks: r.array(o.networks, f('networks'), (x, q) => {
      const no = r.object(x, q);
      if (no === undefined) return undefined;
      return { mode: r.enumOf(no.mode, at(q, 'mode'), NETWORK_MODES), name: r.string(no.name, at(q, 'name')), labels: labelsOf(r, no.labels, at(q, 'labels')) };
    }),
    ipAddress: ip && { networkName: r.string(ip.networkName, at(f('ipAddress'), 'networkName')), labels: labelsOf(r, ip.labels, at(f('ipAddress'), 'labels')) },
    tty: r.boolean(o.tty, f('tty')),
    executorResources: er && {
      cpus: r.number(er.cpus, at(f('executorResources'), 'cpus')), mem: r.number(er.mem, at(f('executorResources'), 'mem')),
      disk: r.number(er.disk, at(f('executorResources'), 'disk')),
    },
    resourceLimits: rl && { cpus: limit(r, rl.cpus, at(f('resourceLimits'), 'cpus')), mem: limit(r, rl.mem, at(f('resourceLimits'), 'mem')) },
  };
}

/** Field names present in a patch (undefined values are absent). */
export function presentFields(patch: AppPatch): string[] {
  return Object.entries(patch).filter(([, v]) => v !== undefined).map(([k]) => k);
}

export { idx };
