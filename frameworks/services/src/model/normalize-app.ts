/**
 * From an `AppPatch` (shape already read) to a canonical, validated `AppSpec`: deprecated forms
 * become canonical fields, defaults are filled in, and value rules are checked with Marathon's
 * messages at Marathon's paths. Returns every problem at once (422 "Object is not valid").
 *
 * `mergePatch(base, patch)` is the partial-update semantics of PUT (partialUpdate=true) and
 * PATCH: fields present in the patch replace the base's; absent ones stay.
 */
import { err, ok, type Result } from '@agora/protocol';
import { DEFAULT_UNREACHABLE, DEFAULT_UPGRADE_STRATEGY, DEFAULTS, FETCH_DEFAULTS, HEALTH_DEFAULTS, READINESS_DEFAULTS, CHECK_DEFAULTS, looksLikeArchive } from './defaults.ts';
import { objectNotValid, type ApiError, type Issue } from './errors.ts';
import { at, idx } from './json-read.ts';
import { parseConstraint } from './constraint.ts';
import { pathIdProblems, resolvePath } from './path-id.ts';
import type { AppPatch, RawPortMapping } from './read-app.ts';
import type { AppContainer, AppSpec, Constraint, HealthCheck, Network, PortDefinition, PortMapping, UpgradeStrategy } from './types.ts';

const NAME = /^[a-z][a-z0-9-]*$/;

export function mergePatch(base: AppPatch, patch: AppPatch): AppPatch {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(patch)) if (v !== undefined) out[k] = v;
  // A new `portDefinitions` replaces legacy `ports` and vice versa; same for fetch/uris.
  if (patch.portDefinitions !== undefined) delete out.ports;
  if (patch.ports !== undefined) delete out.portDefinitions;
  if (patch.fetch !== undefined) delete out.uris;
  if (patch.uris !== undefined) delete out.fetch;
  if (patch.cmd !== undefined) delete out.args;
  if (patch.args !== undefined) delete out.cmd;
  return out as AppPatch;
}

function portMappingOf(m: RawPortMapping): PortMapping {
  return {
    containerPort: m.containerPort ?? 0,
    ...(m.hostPort !== undefined ? { hostPort: m.hostPort } : {}),
    servicePort: m.servicePort ?? 0,
    protocol: m.protocol ?? 'tcp',
    ...(m.name !== undefined ? { name: m.name } : {}),
    labels: m.labels ?? {},
    networkNames: m.networkNames ?? [],
  };
}

function networksOf(p: AppPatch): Network[] {
  if (p.networks && p.networks.length > 0) return p.networks.map((n) => ({ mode: n.mode ?? 'container', ...(n.name !== undefined ? { name: n.name } : {}), labels: n.labels ?? {} }));
  const legacy = p.container?.docker?.network;
  if (legacy === 'BRIDGE') return [{ mode: 'container/bridge', labels: {} }];
  if (legacy === 'USER' || p.ipAddress) return [{ mode: 'container', ...(p.ipAddress?.networkName ? { name: p.ipAddress.networkName } : {}), labels: p.ipAddress?.labels ?? {} }];
  return [{ mode: 'host', labels: {} }];
}

function portDefinitionsOf(p: AppPatch, hostNet: boolean): PortDefinition[] {
  if (!hostNet) return [];
  if (p.portDefinitions) return p.portDefinitions.map((d) => ({ port: d.port ?? 0, protocol: d.protocol ?? 'tcp', ...(d.name !== undefined ? { name: d.name } : {}), labels: d.labels ?? {} }));
  if (p.ports) return p.ports.map((port) => ({ port, protocol: 'tcp', labels: {} }));
  return [{ port: 0, protocol: 'tcp', name: 'default', labels: {} }];
}

function healthChecksOf(p: AppPatch): HealthCheck[] {
  return (p.healthChecks ?? []).map((h) => {
    const protocol = h.protocol ?? HEALTH_DEFAULTS.protocol;
    const http = protocol === 'HTTP' || protocol === 'HTTPS' || protocol === 'MESOS_HTTP' || protocol === 'MESOS_HTTPS';
    const usesPort = protocol !== 'COMMAND';
    return {
      protocol,
      ...(http ? { path: h.path ?? HEALTH_DEFAULTS.path } : {}),
      ...(usesPort && h.port === undefined ? { portIndex: h.portIndex ?? 0 } : {}),
      ...(h.port !== undefined ? { port: h.port } : {}),
      ...(h.command?.value !== undefined ? { command: { value: h.command.value } } : {}),
      gracePeriodSeconds: h.gracePeriodSeconds ?? HEALTH_DEFAULTS.gracePeriodSeconds,
      intervalSeconds: h.intervalSeconds ?? HEALTH_DEFAULTS.intervalSeconds,
      timeoutSeconds: h.timeoutSeconds ?? HEALTH_DEFAULTS.timeoutSeconds,
      maxConsecutiveFailures: h.maxConsecutiveFailures ?? HEALTH_DEFAULTS.maxConsecutiveFailures,
      delaySeconds: h.delaySeconds ?? HEALTH_DEFAULTS.delaySeconds,
      ...(http ? { ignoreHttp1xx: h.ignoreHttp1xx ?? false } : {}),
      ...(usesPort ? { ipProtocol: h.ipProtocol ?? 'IPv4' } : {}),
    };
  });
}

function containerOf(p: AppPatch): AppContainer | undefined {
  const c = p.container;
  if (!c) return undefined;
  const mappings = c.portMappings ?? c.docker?.portMappings;
  const d = c.docker;
  return {
    type: c.type ?? 'DOCKER',
    ...(d?.image !== undefined
      ? { docker: { image: d.image, forcePullImage: d.forcePullImage ?? false, privileged: d.privileged ?? false, parameters: d.parameters ?? [], ...(d.pullConfig ? { pullConfig: d.pullConfig } : {}) } }
      : {}),
    volumes: (c.volumes ?? []).map((v) => ({ containerPath: v.containerPath ?? '', hostPath: v.hostPath ?? '', mode: v.mode ?? 'RW' })),
    ...(mappings ? { portMappings: mappings.map(portMappingOf) } : {}),
  };
}

/** Validates and normalizes a full app body. `base` resolves relative ids (a group's id). */
export function normalizeApp(p: AppPatch, path = '/', base = '/'): Result<AppSpec, ApiError> {
  const issues: Issue[] = [];
  const bad = (field: string, message: string) => issues.push({ path: field === '' ? path : at(path, field), message });
  if (p.id === undefined || p.id === '') bad('id', 'is empty');
  else for (const m of pathIdProblems(p.id, { base, nonRoot: true, reservedKeywords: true })) bad('id', m);
  const id = resolvePath(p.id ?? '', base);

  const container = containerOf(p);
  const hasCmd = p.cmd !== undefined && p.cmd !== '';
  const hasArgs = p.args !== undefined && p.args.length > 0;
  if (hasCmd && hasArgs) bad('', 'AppDefinition must either contain one of \'cmd\' or \'args\', and/or a \'container\'.');
  if (!hasCmd && !hasArgs && container === undefined) bad('', 'AppDefinition must either contain one of \'cmd\' or \'args\', and/or a \'container\'.');

  const instances = p.instances ?? DEFAULTS.instances;
  if (instances < 0) bad('instances', 'got ' + instances + ', expected 0 or more');
  const cpus = p.cpus ?? DEFAULTS.cpus;
  if (cpus < DEFAULTS.minCpus) bad('cpus', `got ${cpus}, expected ${DEFAULTS.minCpus} or more`);
  const mem = p.mem ?? DEFAULTS.mem;
  if (mem < 0) bad('mem', `got ${mem}, expected 0.0 or more`);
  const disk = p.disk ?? DEFAULTS.disk;
  if (disk < 0) bad('disk', `got ${disk}, expected 0.0 or more`);
  const gpus = p.gpus ?? DEFAULTS.gpus;
  if (gpus < 0) bad('gpus', `got ${gpus}, expected 0 or more`);

  const backoffSeconds = p.backoffSeconds ?? DEFAULTS.backoffSeconds;
  if (backoffSeconds < 0) bad('backoffSeconds', `got ${backoffSeconds}, expected 0 or more`);
  const backoffFactor = p.backoffFactor ?? DEFAULTS.backoffFactor;
  if (backoffFactor < 1) bad('backoffFactor', `got ${backoffFactor}, expected 1.0 or more`);
  const maxLaunchDelaySeconds = p.maxLaunchDelaySeconds ?? DEFAULTS.maxLaunchDelaySeconds;
  if (maxLaunchDelaySeconds < 0) bad('maxLaunchDelaySeconds', `got ${maxLaunchDelaySeconds}, expected 0 or more`);

  const constraints: Constraint[] = [];
  (p.constraints ?? []).forEach((parts, i) => {
    const c = parseConstraint(parts);
    if (typeof c === 'string') issues.push({ path: idx(at(path, 'constraints'), i), message: c });
    else constraints.push(c);
  });

  const networks = networksOf(p);
  const hostNet = networks.every((n) => n.mode === 'host');
  const portDefinitions = portDefinitionsOf(p, hostNet);
  const names = new Set<string>();
  portDefinitions.forEach((d, i) => {
    const dp = idx(at(path, 'portDefinitions'), i);
    if (d.port < 0 || d.port > 65535) issues.push({ path: at(dp, 'port'), message: `got ${d.port}, expected between 0 and 65535` });
    if (d.name !== undefined) {
      if (!NAME.test(d.name)) issues.push({ path: at(dp, 'name'), message: `must fully match regular expression '${NAME.source}'` });
      if (names.has(d.name)) issues.push({ path: at(path, 'portDefinitions'), message: 'Port names must be unique.' });
      names.add(d.name);
    }
  });
  const fixed = portDefinitions.map((d) => d.port).filter((x) => x !== 0);
  if (new Set(fixed).size !== fixed.length) bad('portDefinitions', 'Ports must be unique.');
  const requirePorts = p.requirePorts ?? DEFAULTS.requirePorts;
  if (requirePorts && portDefinitions.some((d) => d.port === 0)) bad('portDefinitions', 'Port 0 is not allowed when requirePorts is true');

  const healthChecks = healthChecksOf(p);
  healthChecks.forEach((h, i) => {
    const hp = idx(at(path, 'healthChecks'), i);
    if (h.protocol === 'COMMAND' && !h.command?.value) issues.push({ path: at(hp, 'command'), message: 'Health check of type COMMAND must define a command' });
    if (h.protocol !== 'COMMAND' && h.portIndex !== undefined && h.portIndex >= Math.max(portDefinitions.length, container?.portMappings?.length ?? 0)) {
      issues.push({ path: at(hp, 'portIndex'), message: 'Health check port indices must address an element of the ports array or container port mappings.' });
    }
    for (const k of ['gracePeriodSeconds', 'intervalSeconds', 'timeoutSeconds', 'maxConsecutiveFailures', 'delaySeconds'] as const) {
      if (h[k] < 0) issues.push({ path: at(hp, k), message: `got ${h[k]}, expected 0 or more` });
    }
  });

  const readinessChecks = (p.readinessChecks ?? []).map((r) => ({ ...READINESS_DEFAULTS, ...Object.fromEntries(Object.entries(r).filter(([, v]) => v !== undefined)) }));
  if (readinessChecks.length > 1) bad('readinessChecks', 'size is 2, but at most 1 allowed');
  readinessChecks.forEach((r, i) => {
    if (!portDefinitions.some((d) => d.name === r.portName) && !(container?.portMappings ?? []).some((m) => m.name === r.portName)) {
      issues.push({ path: at(idx(at(path, 'readinessChecks'), i), 'portName'), message: 'Readiness check port name must be defined in port definitions or port mappings.' });
    }
  });

  const us = p.upgradeStrategy;
  const upgradeStrategy: UpgradeStrategy = {
    minimumHealthCapacity: us?.minimumHealthCapacity ?? DEFAULT_UPGRADE_STRATEGY.minimumHealthCapacity,
    maximumOverCapacity: us?.maximumOverCapacity ?? DEFAULT_UPGRADE_STRATEGY.maximumOverCapacity,
    ...(us?.progressDeadlineSeconds !== undefined ? { progressDeadlineSeconds: us.progressDeadlineSeconds } : {}),
    ...(us?.autoRollback !== undefined ? { autoRollback: us.autoRollback } : {}),
    ...(us?.canaryInstances !== undefined ? { canaryInstances: us.canaryInstances } : {}),
  };
  const usp = at(path, 'upgradeStrategy');
  for (const k of ['minimumHealthCapacity', 'maximumOverCapacity'] as const) {
    const v = upgradeStrategy[k];
    if (v < 0) issues.push({ path: at(usp, k), message: 'is less than 0' });
    if (v > 1) issues.push({ path: at(usp, k), message: 'is greater than 1' });
  }
  if ((upgradeStrategy.progressDeadlineSeconds ?? 1) <= 0) issues.push({ path: at(usp, 'progressDeadlineSeconds'), message: 'must be positive' });
  if ((upgradeStrategy.canaryInstances ?? 0) < 0) issues.push({ path: at(usp, 'canaryInstances'), message: 'is less than 0' });

  const dependencies = (p.dependencies ?? []).map((d, i) => {
    for (const m of pathIdProblems(d, { base })) issues.push({ path: idx(at(path, 'dependencies'), i), message: m });
    return resolvePath(d, base);
  });
  if (dependencies.includes(id)) bad('dependencies', 'Dependency can not refer to itself');

  for (const [k, v] of Object.entries(p.env ?? {})) {
    if (typeof v !== 'string' && !(p.secrets ?? {})[v.secret]) issues.push({ path: at(at(path, 'env'), k), message: 'references an undefined secret' });
  }
  const ur = p.unreachableStrategy;
  const unreachableStrategy = ur === 'disabled' ? 'disabled' as const : {
    inactiveAfterSeconds: ur?.inactiveAfterSeconds ?? DEFAULT_UNREACHABLE.inactiveAfterSeconds,
    expungeAfterSeconds: ur?.expungeAfterSeconds ?? DEFAULT_UNREACHABLE.expungeAfterSeconds,
  };
  if (unreachableStrategy !== 'disabled' && unreachableStrategy.inactiveAfterSeconds > unreachableStrategy.expungeAfterSeconds) {
    bad('unreachableStrategy', 'inactiveAfterSeconds must be less or equal to expungeAfterSeconds');
  }
  if ((p.taskKillGracePeriodSeconds ?? 0) < 0) bad('taskKillGracePeriodSeconds', 'is less than 0');

  const fetch = p.fetch
    ? p.fetch.map((f) => ({ uri: f.uri ?? '', extract: f.extract ?? FETCH_DEFAULTS.extract, executable: f.executable ?? FETCH_DEFAULTS.executable, cache: f.cache ?? FETCH_DEFAULTS.cache, ...(f.destPath !== undefined ? { destPath: f.destPath } : {}) }))
    : (p.uris ?? []).map((uri) => ({ uri, extract: looksLikeArchive(uri), executable: false, cache: false }));

  if (issues.length > 0) return err(objectNotValid(issues));
  const c = p.check;
  const spec: AppSpec = {
    id,
    ...(hasCmd ? { cmd: p.cmd! } : {}),
    ...(hasArgs ? { args: p.args! } : {}),
    ...(p.user !== undefined ? { user: p.user } : {}),
    env: p.env ?? {},
    instances, cpus, mem, disk, gpus,
    executor: p.executor ?? DEFAULTS.executor,
    constraints, fetch,
    storeUrls: p.storeUrls ?? [],
    portDefinitions, requirePorts, backoffSeconds, backoffFactor, maxLaunchDelaySeconds,
    ...(container ? { container } : {}),
    healthChecks, readinessChecks,
    ...(c ? {
      check: {
        ...(c.http ? { http: { portIndex: c.http.portIndex ?? 0, ...(c.http.path ? { path: c.http.path } : {}), ...(c.http.scheme ? { scheme: c.http.scheme } : {}) } } : {}),
        ...(c.tcp ? { tcp: { portIndex: c.tcp.portIndex ?? 0 } } : {}),
        ...(c.exec?.command?.shell ? { exec: { command: c.exec.command.shell } } : {}),
        intervalSeconds: c.intervalSeconds ?? CHECK_DEFAULTS.intervalSeconds,
        timeoutSeconds: c.timeoutSeconds ?? CHECK_DEFAULTS.timeoutSeconds,
        delaySeconds: c.delaySeconds ?? CHECK_DEFAULTS.delaySeconds,
      },
    } : {}),
    dependencies, upgradeStrategy,
    labels: p.labels ?? {},
    ...(p.acceptedResourceRoles ? { acceptedResourceRoles: p.acceptedResourceRoles } : {}),
    role: p.role ?? DEFAULTS.role,
    killSelection: p.killSelection ?? DEFAULTS.killSelection,
    unreachableStrategy,
    ...(p.taskKillGracePeriodSeconds !== undefined ? { taskKillGracePeriodSeconds: p.taskKillGracePeriodSeconds } : {}),
    secrets: Object.fromEntries(Object.entries(p.secrets ?? {}).map(([k, v]) => [k, { source: v.source ?? '' }])),
    networks,
    ...(p.tty !== undefined ? { tty: p.tty } : {}),
    ...(p.executorResources ? { executorResources: { cpus: p.executorResources.cpus ?? 0.1, mem: p.executorResources.mem ?? 32, disk: p.executorResources.disk ?? 10 } } : {}),
    ...(p.resourceLimits ? { resourceLimits: { ...(p.resourceLimits.cpus !== undefined ? { cpus: p.resourceLimits.cpus } : {}), ...(p.resourceLimits.mem !== undefined ? { mem: p.resourceLimits.mem } : {}) } } : {}),
  };
  return ok(spec);
}
