import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decode, formatDecodeError, unwrap } from '../../index.ts';
import { Call, CALL_FIELD, CallType, validateAgentCall } from './call.ts';
import { ProcessIO } from './process-io.ts';
import { Response, ResponseType } from './response.ts';
import { FRAMEWORK_ID, launchTask, taskStatus } from '../examples.ts';

const call = (input: unknown) => unwrap(decode(Call, input));
const response = (input: unknown) => unwrap(decode(Response, input));
const nested = { value: 'task-a', parent: { value: 'executor-c', parent: { value: 'root' } } };

test('call type numbers', () => {
  assert.equal(CallType.values.GET_CONTAINERS, 10);
  assert.equal(CallType.values.GET_AGENT, 20);
  assert.equal(CallType.values.LAUNCH_CONTAINER, 22);
  assert.equal(CallType.values.WAIT_CONTAINER, 23);
  assert.equal(CallType.values.KILL_CONTAINER, 24);
  assert.equal(CallType.values.REMOVE_CONTAINER, 25);
  assert.equal(CallType.values.GET_OPERATIONS, 31);
  assert.equal(new Set(Object.values(CallType.values)).size, CallType.names.length);
  assert.equal(ResponseType.values.WAIT_CONTAINER, 15);
  for (const name of CallType.names) assert.equal(call({ type: CallType.values[name] }).type, name);
});

test('container lifecycle calls', () => {
  const launch = call({
    type: 'LAUNCH_CONTAINER',
    launch_container: {
      container_id: nested,
      command: launchTask.command,
      resources: launchTask.resources,
      container: { type: 'MESOS', linux_info: { share_cgroups: false }, rlimit_info: { rlimits: [{ type: 'RLMT_NOFILE', soft: 1024, hard: 4096 }] }, tty_info: { window_size: { rows: 24, columns: 80 } } },
      limits: { mem: { value: 'Infinity' } },
    },
  }).launch_container!;
  assert.deepEqual(launch.container_id, nested, 'ContainerID.parent nests recursively');
  assert.equal(launch.command!.shell, true);
  assert.equal(launch.container!.linux_info!.share_cgroups, false);
  assert.equal(launch.container!.rlimit_info!.rlimits![0]!.type, 'RLMT_NOFILE');
  assert.equal(launch.limits!.mem!.value, Infinity);
  assert.deepEqual(call({ type: 'WAIT_CONTAINER', wait_container: { container_id: nested } }).wait_container, { container_id: nested });
  assert.deepEqual(call({ type: 'KILL_CONTAINER', kill_container: { container_id: nested, signal: 15 } }).kill_container, { container_id: nested, signal: 15 });
  assert.deepEqual(call({ type: 'REMOVE_CONTAINER', remove_container: { container_id: nested } }).remove_container, { container_id: nested });
  assert.deepEqual(call({ type: 'GET_CONTAINERS', get_containers: { show_nested: true } }).get_containers, { show_nested: true });
  const bad = decode(Call, { type: 'WAIT_CONTAINER', wait_container: { container_id: { value: 'a', parent: { parent: { value: 'c' } } } } });
  assert.equal(bad.ok ? '' : formatDecodeError(bad.error), 'wait_container.container_id.parent.value: missing required field');
});

test('validateAgentCall', () => {
  assert.equal(validateAgentCall(call({})), "Expecting 'type' to be present");
  for (const type of ['GET_STATE', 'GET_CONTAINERS', 'GET_AGENT', 'PRUNE_IMAGES', 'GET_HEALTH']) assert.equal(validateAgentCall(call({ type })), undefined, type);
  for (const [type, field] of Object.entries(CALL_FIELD)) assert.equal(validateAgentCall(call({ type })), `Expecting '${field}' to be present`, type);
});

test('GET_CONTAINERS with ResourceStatistics', () => {
  const r = response({
    type: 'GET_CONTAINERS',
    get_containers: {
      containers: [{
        framework_id: FRAMEWORK_ID,
        executor_id: { value: 'web-1' },
        executor_name: 'Command Executor (Task: web-1) (Command: sh -c \'python3 -m...\')',
        container_id: { value: 'c1' },
        container_status: { executor_pid: 4242, network_infos: [{ ip_addresses: [{ ip_address: '10.0.0.5' }] }] },
        resource_statistics: {
          timestamp: 1700000000.5,
          processes: 3,
          threads: 7,
          cpus_user_time_secs: 1.25,
          cpus_system_time_secs: 0.5,
          cpus_limit: 0.6,
          cpus_nr_periods: 100,
          cpus_nr_throttled: 2,
          cpus_throttled_time_secs: 0.01,
          mem_rss_bytes: 1048576,
          mem_limit_bytes: 167772160,
          mem_total_bytes: 2097152,
          mem_cache_bytes: 4096,
          disk_used_bytes: 1000,
          disk_limit_bytes: 10000,
          net_rx_bytes: 10, net_tx_bytes: 20, net_rx_packets: 1, net_tx_packets: 2, net_rx_errors: 0, net_tx_errors: 0, net_rx_dropped: 0, net_tx_dropped: 0,
          net_tcp_rtt_microsecs_p50: 12.5,
          perf: { timestamp: 1, duration: 2, cycles: 1000, task_clock: 0.5 },
          net_snmp_statistics: { tcp_stats: { ActiveOpens: 3, CurrEstab: 1 } },
          blkio_statistics: { throttling: [{ io_serviced: [{ op: 'READ', value: 9 }] }] },
          disk_statistics: [{ persistence: { id: 'vol-1' }, used_bytes: 5 }],
        },
      }],
    },
  });
  const c = r.get_containers!.containers![0]!;
  assert.equal(c.container_status!.network_infos![0]!.ip_addresses![0]!.protocol, 'IPv4');
  const s = c.resource_statistics!;
  assert.equal(s.cpus_user_time_secs, 1.25);
  assert.equal(s.mem_rss_bytes, 1048576);
  assert.equal(s.cpus_nr_throttled, 2);
  assert.equal(s.perf!.cycles, 1000);
  assert.equal(s.net_snmp_statistics!.tcp_stats!.CurrEstab, 1);
  assert.equal(s.blkio_statistics!.throttling![0]!.io_serviced![0]!.op, 'READ');
  const bad = decode(Response, { type: 'GET_CONTAINERS', get_containers: { containers: [{ container_id: { value: 'c' }, resource_statistics: { timestamp: 1, mem_rss_bytes: -1 } }] } });
  assert.equal(bad.ok ? '' : formatDecodeError(bad.error), 'get_containers.containers[0].resource_statistics.mem_rss_bytes: -1 is out of range for a uint64');
});

test('other agent responses', () => {
  const wait = response({ type: 'WAIT_CONTAINER', wait_container: { exit_status: 9, state: 'TASK_FAILED', reason: 'REASON_CONTAINER_LIMITATION_MEMORY', message: 'OOM', limitation: { resources: [{ name: 'mem', type: 'SCALAR', scalar: { value: 64 } }] } } });
  assert.equal(wait.wait_container!.reason, 'REASON_CONTAINER_LIMITATION_MEMORY');
  const agent = response({ type: 'GET_AGENT', get_agent: { agent_info: { hostname: 'a1' }, drain_config: { mark_gone: true }, estimated_drain_start_time: { nanoseconds: 5 } } });
  assert.deepEqual(agent.get_agent!.drain_config, { mark_gone: true });
  assert.equal(agent.get_agent!.agent_info!.port, 5051);
  const task = { name: 't', task_id: { value: 't' }, framework_id: FRAMEWORK_ID, agent_id: { value: 'S0' }, state: 'TASK_RUNNING', statuses: [taskStatus] };
  const state = response({
    type: 'GET_STATE',
    get_state: {
      get_tasks: { launched_tasks: [task], queued_tasks: [], pending_tasks: [], terminated_tasks: [], completed_tasks: [] },
      get_executors: { executors: [{ executor_info: { executor_id: { value: 't' }, command: { value: 'x' } } }], completed_executors: [] },
      get_frameworks: { frameworks: [{ framework_info: { user: 'u', name: 'n', checkpoint: true } }] },
    },
  });
  assert.equal(state.get_state!.get_tasks!.launched_tasks![0]!.statuses![0]!.state, 'TASK_RUNNING');
  assert.equal(state.get_state!.get_frameworks!.frameworks![0]!.framework_info.checkpoint, true);
  assert.equal(state.get_state!.get_executors!.executors![0]!.executor_info.command!.shell, true);
});

test('ProcessIO records', () => {
  assert.deepEqual(unwrap(decode(ProcessIO, { type: 'DATA', data: { type: 'STDOUT', data: 'aGk=' } })), { type: 'DATA', data: { type: 'STDOUT', data: 'aGk=' } });
  assert.deepEqual(
    unwrap(decode(ProcessIO, { type: 'CONTROL', control: { type: 'HEARTBEAT', heartbeat: { interval: { nanoseconds: 30e9 } } } })).control,
    { type: 'HEARTBEAT', heartbeat: { interval: { nanoseconds: 30e9 } } },
  );
  const attach = call({ type: 'ATTACH_CONTAINER_INPUT', attach_container_input: { type: 'PROCESS_IO', process_io: { type: 'CONTROL', control: { type: 'TTY_INFO', tty_info: { window_size: { rows: 1, columns: 2 } } } } } });
  assert.deepEqual(attach.attach_container_input!.process_io!.control!.tty_info, { window_size: { rows: 1, columns: 2 } });
});
