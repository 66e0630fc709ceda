/**
 * The canonical app model: what a decoded, normalized and validated Marathon app definition looks
 * like inside Agora. Deprecated input forms (`ports`, `uris`, `container.docker.network`,
 * `container.docker.portMappings`, `ipAddress`) never appear here: the decoder turns them into
 * their canonical fields, as Marathon 1.5+ does. Defaults are filled in (see defaults.ts), so
 * every consumer reads one shape.
 *
 * `AppSpec` is what a user asked for; `AppDefinition` is a stored, versioned spec.
 */
import type { VersionInfo } from './version.ts';

export type EnvValue = string | { readonly secret: string };
export type KillSelection = 'YOUNGEST_FIRST' | 'OLDEST_FIRST';
export const KILL_SELECTIONS: readonly KillSelection[] = ['YOUNGEST_FIRST', 'OLDEST_FIRST'];

export const CONSTRAINT_OPERATORS = ['UNIQUE', 'CLUSTER', 'GROUP_BY', 'LIKE', 'UNLIKE', 'MAX_PER', 'IS', 'IN'] as const;
export type ConstraintOperator = (typeof CONSTRAINT_OPERATORS)[number];

/** `[field, OPERATOR, value?]` on the wire. */
export interface Constraint {
  readonly field: string;
  readonly operator: ConstraintOperator;
  readonly value?: string;
}

export interface FetchUri {
  readonly uri: string;
  readonly extract: boolean;
  readonly executable: boolean;
  readonly cache: boolean;
  readonly destPath?: string;
}

export const PORT_PROTOCOLS = ['tcp', 'udp', 'udp,tcp'] as const;
export type PortProtocol = (typeof PORT_PROTOCOLS)[number];

/** A host port (host networking). `port` is the service port; 0 until one is assigned. */
export interface PortDefinition {
  readonly port: number;
  readonly protocol: PortProtocol;
  readonly name?: string;
  readonly labels: Readonly<Record<string, string>>;
}

/** A container port (bridge or container networking); `hostPort` 0 = any, absent = none. */
export interface PortMapping {
  readonly containerPort: number;
  readonly hostPort?: number;
  readonly servicePort: number;
  readonly protocol: PortProtocol;
  readonly name?: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly networkNames: readonly string[];
}

export const NETWORK_MODES = ['host', 'container/bridge', 'container'] as const;
export type NetworkMode = (typeof NETWORK_MODES)[number];

export interface Network {
  readonly mode: NetworkMode;
  readonly name?: string;
  readonly labels: Readonly<Record<string, string>>;
}

export const HEALTH_PROTOCOLS = ['HTTP', 'HTTPS', 'TCP', 'COMMAND', 'MESOS_HTTP', 'MESOS_HTTPS', 'MESOS_TCP'] as const;
export type HealthProtocol = (typeof HEALTH_PROTOCOLS)[number];

/**
 * HTTP, HTTPS and TCP are Marathon-level checks (run by the scheduler; it kills after
 * `maxConsecutiveFailures`, 0 = never); COMMAND and MESOS_* are run by the executor on the agent
 * (Mesos `HealthCheck` in the TaskInfo; the executor kills).
 */
export interface HealthCheck {
  readonly protocol: HealthProtocol;
  readonly path?: string;
  readonly portIndex?: number;
  readonly port?: number;
  readonly command?: { readonly value: string };
  readonly gracePeriodSeconds: number;
  readonly intervalSeconds: number;
  readonly timeoutSeconds: number;
  readonly maxConsecutiveFailures: number;
  readonly delaySeconds: number;
  readonly ignoreHttp1xx?: boolean;
  readonly ipProtocol?: 'IPv4' | 'IPv6';
}

export interface ReadinessCheck {
  readonly name: string;
  readonly protocol: 'HTTP' | 'HTTPS';
  readonly path: string;
  readonly portName: string;
  readonly intervalSeconds: number;
  readonly timeoutSeconds: number;
  readonly httpStatusCodesForReady: readonly number[];
  readonly preserveLastResponse: boolean;
}

/**
 * Marathon's two fractions, plus Agora's optional extensions (omitted from output when unset):
 * a progress deadline with automatic rollback, and canary instances that wait for promotion.
 */
export interface UpgradeStrategy {
  readonly minimumHealthCapacity: number;
  readonly maximumOverCapacity: number;
  /** No progress for this long fails the deployment (Marathon deployments never time out). */
  readonly progressDeadlineSeconds?: number;
  /** On a missed deadline, revert instead of only failing. */
  readonly autoRollback?: boolean;
  /** Start this many new instances first, then wait for promotion before replacing the rest. */
  readonly canaryInstances?: number;
}

export interface UnreachableEnabled {
  readonly inactiveAfterSeconds: number;
  readonly expungeAfterSeconds: number;
}
export type UnreachableStrategy = 'disabled' | UnreachableEnabled;

export interface DockerSpec {
  readonly image: string;
  readonly forcePullImage: boolean;
  readonly privileged: boolean;
  readonly parameters: readonly { readonly key: string; readonly value: string }[];
  readonly pullConfig?: { readonly secret: string };
}

export interface HostVolume {
  readonly containerPath: string;
  readonly hostPath: string;
  readonly mode: 'RW' | 'RO';
}

/** `DOCKER` is accepted and kept as given; tasks run with the Mesos containerizer and the image. */
export interface AppContainer {
  readonly type: 'MESOS' | 'DOCKER';
  readonly docker?: DockerSpec;
  readonly volumes: readonly HostVolume[];
  readonly portMappings?: readonly PortMapping[];
}

export interface ResourceAmounts {
  readonly cpus: number;
  readonly mem: number;
  readonly disk: number;
}

/** Burst limits; `'unlimited'` maps to an infinite Mesos limit. */
export interface ResourceLimits {
  readonly cpus?: number | 'unlimited';
  readonly mem?: number | 'unlimited';
}

/** A Mesos check (reported, never kills). */
export interface AppCheck {
  readonly http?: { readonly portIndex: number; readonly path?: string; readonly scheme?: 'HTTP' | 'HTTPS' };
  readonly tcp?: { readonly portIndex: number };
  readonly exec?: { readonly command: string };
  readonly intervalSeconds: number;
  readonly timeoutSeconds: number;
  readonly delaySeconds: number;
}

export interface AppSpec {
  readonly id: string;
  readonly cmd?: string;
  readonly args?: readonly string[];
  readonly user?: string;
  readonly env: Readonly<Record<string, EnvValue>>;
  readonly instances: number;
  readonly cpus: number;
  readonly mem: number;
  readonly disk: number;
  readonly gpus: number;
  readonly executor: string;
  readonly constraints: readonly Constraint[];
  readonly fetch: readonly FetchUri[];
  readonly storeUrls: readonly string[];
  readonly portDefinitions: readonly PortDefinition[];
  readonly requirePorts: boolean;
  readonly backoffSeconds: number;
  readonly backoffFactor: number;
  readonly maxLaunchDelaySeconds: number;
  readonly container?: AppContainer;
  readonly healthChecks: readonly HealthCheck[];
  readonly readinessChecks: readonly ReadinessCheck[];
  readonly check?: AppCheck;
  readonly dependencies: readonly string[];
  readonly upgradeStrategy: UpgradeStrategy;
  readonly labels: Readonly<Record<string, string>>;
  readonly acceptedResourceRoles?: readonly string[];
  readonly role: string;
  readonly killSelection: KillSelection;
  readonly unreachableStrategy: UnreachableStrategy;
  readonly taskKillGracePeriodSeconds?: number;
  readonly secrets: Readonly<Record<string, { readonly source: string }>>;
  readonly networks: readonly Network[];
  readonly tty?: boolean;
  readonly executorResources?: ResourceAmounts;
  readonly resourceLimits?: ResourceLimits;
}

export interface AppDefinition extends AppSpec {
  readonly version: string;
  readonly versionInfo: VersionInfo;
}

/** The host-port requests of an app, in `$PORT<i>` order (definitions or mappings). */
export function usesPortMappings(app: AppSpec): boolean {
  return app.networks.some((n) => n.mode !== 'host');
}
