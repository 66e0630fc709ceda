// Defaults, enum tables and helpers of the mesos.v1 messages.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  AgentCapabilityType, CheckInfo, CommandInfo, ContainerID, ContainerInfo, decode, DrainConfig, encodeJson, EnvironmentVariable,
  Filters, formatDecodeError, FrameworkCapabilityType, FrameworkInfo, frameworkRoles, hasCapability, HealthCheck, Image, isTerminalOperationState,
  isTerminalState, LinuxInfo, MasterInfo, NetworkIPAddress, OFFER_OPERATION_FIELD, OfferOperation, OfferOperationType, OperationState,
  packMasterIp, PARTITION_AWARE_STATES, TaskState, TaskStatusReason, TaskStatusSource, unpackMasterIp, unwrap, Volume, Resource,
  CSIPluginInfo, MachineMode, InverseOfferStatusValue, DrainState, ResourceStatistics, TaskInfo,
} from '../index.ts';

test('defaults Mesos emits for unset fields', () => {
  assert.deepEqual(unwrap(decode(FrameworkInfo, { user: 'u', name: 'n' })), { user: 'u', name: 'n', failover_timeout: 0, checkpoint: false });
  assert.deepEqual(unwrap(decode(CommandInfo, {})), { shell: true });
  assert.deepEqual(unwrap(decode(HealthCheck, {})), { delay_seconds: 15, interval_seconds: 10, timeout_seconds: 20, consecutive_failures: 3, grace_period_seconds: 10 });
  assert.deepEqual(unwrap(decode(CheckInfo, {})), { delay_seconds: 15, interval_seconds: 10, timeout_seconds: 20 });
  assert.deepEqual(unwrap(decode(Filters, {})), { refuse_seconds: 5 });
  assert.deepEqual(unwrap(decode(EnvironmentVariable, { name: 'A', value: 'b' })), { name: 'A', type: 'VALUE', value: 'b' });
  assert.deepEqual(unwrap(decode(NetworkIPAddress, {})), { protocol: 'IPv4' });
  assert.deepEqual(unwrap(decode(Image, { type: 'DOCKER', docker: { name: 'alpine' } })), { type: 'DOCKER', docker: { name: 'alpine' }, cached: true });
  assert.deepEqual(unwrap(decode(LinuxInfo, {})), { share_cgroups: true });
  assert.deepEqual(unwrap(decode(DrainConfig, {})), { mark_gone: false });
  assert.deepEqual(unwrap(decode(CSIPluginInfo, { type: 'org.example' })), { type: 'org.example', name: 'default' });
  assert.deepEqual(
    unwrap(decode(ContainerInfo, { type: 'DOCKER', docker: { image: 'alpine' } })),
    { type: 'DOCKER', docker: { image: 'alpine', network: 'HOST', privileged: false } },
  );
  assert.equal(unwrap(decode(MasterInfo, { id: 'x', ip: 0 })).port, 5050);
  // Explicit values win over defaults, including false/0, and explicit nulls mean unset.
  assert.equal(unwrap(decode(CommandInfo, { shell: false })).shell, false);
  assert.equal(unwrap(decode(CommandInfo, { shell: null })).shell, true);
  assert.equal(unwrap(decode(HealthCheck, { consecutive_failures: '7' })).consecutive_failures, 7);
});

test('enum numbers are Mesos\'s', () => {
  assert.deepEqual(TaskState.values, {
    TASK_STAGING: 6, TASK_STARTING: 0, TASK_RUNNING: 1, TASK_KILLING: 8, TASK_FINISHED: 2, TASK_FAILED: 3, TASK_KILLED: 4, TASK_ERROR: 7,
    TASK_LOST: 5, TASK_DROPPED: 9, TASK_UNREACHABLE: 10, TASK_GONE: 11, TASK_GONE_BY_OPERATOR: 12, TASK_UNKNOWN: 13,
  });
  assert.deepEqual(TaskStatusSource.values, { SOURCE_MASTER: 0, SOURCE_AGENT: 1, SOURCE_EXECUTOR: 2 });
  const r = TaskStatusReason.values;
  assert.deepEqual([r.REASON_COMMAND_EXECUTOR_FAILED, r.REASON_EXECUTOR_TERMINATED, r.REASON_CONTAINER_LIMITATION_MEMORY, r.REASON_RECONCILIATION, r.REASON_AGENT_REMOVED, r.REASON_TASK_KILLED_DURING_LAUNCH, r.REASON_AGENT_REMOVED_BY_OPERATOR, r.REASON_AGENT_REREGISTERED, r.REASON_MAX_COMPLETION_TIME_REACHED, r.REASON_AGENT_DRAINING], [0, 1, 8, 9, 11, 30, 31, 32, 33, 34]);
  assert.equal(TaskStatusReason.names.length, 35);
  assert.equal(new Set(Object.values(r)).size, 35, 'reason numbers are unique');
  assert.deepEqual(FrameworkCapabilityType.values, { UNKNOWN: 0, REVOCABLE_RESOURCES: 1, TASK_KILLING_STATE: 2, GPU_RESOURCES: 3, SHARED_RESOURCES: 4, PARTITION_AWARE: 5, MULTI_ROLE: 6, RESERVATION_REFINEMENT: 7, REGION_AWARE: 8 });
  assert.deepEqual(AgentCapabilityType.values, { UNKNOWN: 0, MULTI_ROLE: 1, HIERARCHICAL_ROLE: 2, RESERVATION_REFINEMENT: 3, RESOURCE_PROVIDER: 4, RESIZE_VOLUME: 5, AGENT_OPERATION_FEEDBACK: 6, AGENT_DRAINING: 7, TASK_RESOURCE_LIMITS: 8 });
  assert.deepEqual(OfferOperationType.values, { UNKNOWN: 0, LAUNCH: 1, LAUNCH_GROUP: 6, RESERVE: 2, UNRESERVE: 3, CREATE: 4, DESTROY: 5, GROW_VOLUME: 11, SHRINK_VOLUME: 12, CREATE_DISK: 13, DESTROY_DISK: 14 });
  assert.deepEqual(OperationState.values, { OPERATION_UNSUPPORTED: 0, OPERATION_PENDING: 1, OPERATION_FINISHED: 2, OPERATION_FAILED: 3, OPERATION_ERROR: 4, OPERATION_DROPPED: 5, OPERATION_UNREACHABLE: 6, OPERATION_GONE_BY_OPERATOR: 7, OPERATION_RECOVERING: 8, OPERATION_UNKNOWN: 9 });
  assert.deepEqual(MachineMode.values, { UP: 1, DRAINING: 2, DOWN: 3 });
  assert.deepEqual(InverseOfferStatusValue.values, { UNKNOWN: 1, ACCEPT: 2, DECLINE: 3 });
  assert.deepEqual(DrainState.values, { UNKNOWN: 0, DRAINING: 1, DRAINED: 2 });
});

test('enums by name or number; unknown names dropped when optional, rejected when required', () => {
  const status = (state: unknown, extra: object = {}) => decode(TaskInfo.shape.resources.decoder, { name: 'cpus', type: state, scalar: { value: 1 }, ...extra });
  assert.equal(unwrap(status(0)).type, 'SCALAR');
  assert.equal(unwrap(status('RANGES')).type, 'RANGES');
  const bad = status('NOPE');
  assert.equal(bad.ok ? '' : formatDecodeError(bad.error), 'type: unknown Value.Type value "NOPE"');
  const bad2 = status(99);
  assert.equal(bad2.ok ? '' : formatDecodeError(bad2.error), 'type: unknown Value.Type value number 99');
  assert.deepEqual(unwrap(decode(Volume, { container_path: '/x', mode: 'READ_MOSTLY' })), { container_path: '/x' });
  assert.deepEqual(unwrap(decode(EnvironmentVariable, { name: 'A', type: 'FUTURE' })), { name: 'A', type: 'VALUE' }, 'an unknown name in a defaulted field gives the default');
});

test('helpers', () => {
  assert.ok(isTerminalState('TASK_FINISHED') && isTerminalState('TASK_LOST') && isTerminalState('TASK_GONE_BY_OPERATOR'));
  assert.ok(!isTerminalState('TASK_RUNNING') && !isTerminalState('TASK_UNREACHABLE') && !isTerminalState('TASK_KILLING') && !isTerminalState('TASK_UNKNOWN'));
  assert.deepEqual(PARTITION_AWARE_STATES, ['TASK_DROPPED', 'TASK_UNREACHABLE', 'TASK_GONE', 'TASK_GONE_BY_OPERATOR', 'TASK_UNKNOWN']);
  assert.ok(isTerminalOperationState('OPERATION_FINISHED') && !isTerminalOperationState('OPERATION_PENDING') && !isTerminalOperationState('OPERATION_UNREACHABLE'));
  assert.equal(packMasterIp('10.0.0.11'), 184549386);
  assert.equal(unpackMasterIp(184549386), '10.0.0.11');
  assert.equal(packMasterIp('255.255.255.255'), 4294967295);
  assert.equal(unpackMasterIp(4294967295), '255.255.255.255');
  assert.equal(packMasterIp('10.0.0.256'), undefined);
  assert.equal(packMasterIp('::1'), undefined);
  const multi = unwrap(decode(FrameworkInfo, { user: 'u', name: 'n', roles: ['a', 'b'], capabilities: [{ type: 'MULTI_ROLE' }] }));
  assert.ok(hasCapability(multi, 'MULTI_ROLE') && !hasCapability(multi, 'GPU_RESOURCES'));
  assert.deepEqual(frameworkRoles(multi), ['a', 'b']);
  assert.deepEqual(frameworkRoles(unwrap(decode(FrameworkInfo, { user: 'u', name: 'n' }))), ['*']);
  assert.deepEqual(frameworkRoles(unwrap(decode(FrameworkInfo, { user: 'u', name: 'n', role: 'eng', roles: ['ignored'] }))), ['eng']);
  for (const [type, field] of Object.entries(OFFER_OPERATION_FIELD)) {
    assert.ok(OfferOperationType.names.includes(type as never));
    assert.ok(field in OfferOperation.shape);
  }
});

test('resources: reservations, volumes, disk sources, revocable', () => {
  const r = unwrap(decode(Resource, {
    name: 'disk', type: 'SCALAR', scalar: { value: 1024 }, role: 'eng',
    reservation: { principal: 'p' },
    reservations: [{ type: 'STATIC', role: 'eng' }, { type: 'DYNAMIC', role: 'eng/fe', principal: 'p', labels: { labels: [{ key: 'a' }] } }],
    disk: {
      persistence: { id: 'v1' },
      volume: { mode: 'RW', container_path: 'data', source: { type: 'HOST_PATH', host_path: { path: '/mnt', mount_propagation: { mode: 'BIDIRECTIONAL' } } } },
      source: { type: 'MOUNT', mount: { root: '/mnt/disk0' }, metadata: { labels: [{ key: 'k', value: 'v' }] } },
    },
    shared: { ignored: true },
  }));
  assert.equal(r.reservations!.length, 2);
  assert.equal(r.disk!.volume!.source!.host_path!.mount_propagation!.mode, 'BIDIRECTIONAL');
  assert.equal(r.disk!.source!.type, 'MOUNT');
  assert.deepEqual(r.shared, {}, 'empty messages normalise to {}');
  const neg = decode(Resource, { name: 'ports', type: 'RANGES', ranges: { range: [{ begin: -1, end: 5 }] } });
  assert.equal(neg.ok ? '' : formatDecodeError(neg.error), 'ranges.range[0].begin: -1 is out of range for a uint64');
});

test('ContainerID nests through lazy parents', () => {
  let id: unknown = { value: 'root' };
  for (let i = 0; i < 50; i++) id = { value: `c${i}`, parent: id };
  const decoded = unwrap(decode(ContainerID, id));
  let depth = 0;
  for (let p = decoded.parent; p; p = p.parent) depth++;
  assert.equal(depth, 50);
});

test('encodeJson writes non-finite doubles as protobuf-JSON strings', () => {
  assert.equal(encodeJson({ limits: { cpus: { value: Infinity }, mem: { value: -Infinity } }, x: NaN, y: 1.5 }), '{"limits":{"cpus":{"value":"Infinity"},"mem":{"value":"-Infinity"}},"x":"NaN","y":1.5}');
  const stats = unwrap(decode(ResourceStatistics, { timestamp: '1700000000.25', mem_total_bytes: '123' }));
  assert.deepEqual(stats, { timestamp: 1700000000.25, mem_total_bytes: 123 });
  const inf = decode(ResourceStatistics, { timestamp: 'Infinity' });
  assert.equal(inf.ok ? '' : formatDecodeError(inf.error), 'timestamp: expected a finite number, got "Infinity"');
});
