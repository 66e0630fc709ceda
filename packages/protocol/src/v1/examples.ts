/**
 * Mesos v1 JSON as real clients and masters send it, written from the documented shapes (and
 * with the habits clients have: explicit nulls, numbers as strings, enums by number). Tests
 * decode these; the SDK's tests may reuse them. Not part of the public entry.
 */

export const UUID_B64 = 'hTaLQ0b5Q1OZuab7QclTKQ==';
export const FRAMEWORK_ID = { value: '5b3e1f0c-4a4e-4f38-9c59-2d0c3d3b0a11-0000' };
export const AGENT_ID = { value: '5b3e1f0c-4a4e-4f38-9c59-2d0c3d3b0a11-S3' };

const cpus = (value: number, role?: string) => ({
  name: 'cpus',
  type: 'SCALAR',
  scalar: { value },
  ...(role ? { allocation_info: { role } } : {}),
});
const mem = (value: number) => ({ name: 'mem', type: 'SCALAR', scalar: { value } });
const ports = { name: 'ports', type: 'RANGES', ranges: { range: [{ begin: 31000, end: 32000 }] } };

export const subscribeCall = {
  type: 'SUBSCRIBE',
  subscribe: {
    framework_info: {
      user: 'root',
      name: 'Example HTTP Framework',
      roles: ['eng', 'eng/backend'],
      capabilities: [{ type: 'MULTI_ROLE' }, { type: 'PARTITION_AWARE' }, { type: 'TASK_KILLING_STATE' }],
      hostname: 'scheduler-1',
      principal: 'example',
      webui_url: 'http://scheduler-1:8080/',
      labels: { labels: [{ key: 'team', value: 'infra' }] },
      offer_filters: { eng: { min_allocatable_resources: { quantities: [{ quantities: { cpus: { value: 1 }, mem: { value: 128 } } }] } } },
      id: null,
    },
    suppressed_roles: ['eng/backend'],
    offer_constraints: {
      role_constraints: {
        eng: { groups: [{ attribute_constraints: [{ selector: { attribute_name: 'os' }, predicate: { exists: {} } }] }] },
      },
    },
  },
};

export const launchTask = {
  name: 'web-1',
  task_id: { value: 'web-1' },
  agent_id: AGENT_ID,
  resources: [cpus(0.5, 'eng'), mem(128)],
  command: {
    value: 'python3 -m http.server $PORT0',
    uris: [{ value: 'https://example.com/app.tgz' }, { value: 'https://example.com/run.sh', executable: true, cache: true, output_file: 'bin/run.sh' }],
    environment: { variables: [{ name: 'PORT0', value: '31000' }, { name: 'TOKEN', type: 'SECRET', secret: { type: 'REFERENCE', reference: { name: 'web-token' } } }] },
  },
  health_check: { type: 'HTTP', http: { port: 31000, path: '/health' } },
  kill_policy: { grace_period: { nanoseconds: 5000000000 } },
  labels: { labels: [{ key: 'version', value: '3' }] },
  discovery: { visibility: 'FRAMEWORK', name: 'web', ports: { ports: [{ number: 31000, name: 'http', protocol: 'tcp' }] } },
  container: {
    type: 'MESOS',
    mesos: { image: { type: 'DOCKER', docker: { name: 'library/python:3.12' } } },
    volumes: [{ mode: 'RW', container_path: 'data', source: { type: 'SANDBOX_PATH', sandbox_path: { type: 'PARENT', path: 'shared' } } }],
    network_infos: [{ name: 'overlay', ip_addresses: [{}] }],
  },
  limits: { cpus: { value: 'Infinity' }, mem: { value: 256 } },
};

export const acceptCall = {
  framework_id: FRAMEWORK_ID,
  type: 'ACCEPT',
  accept: {
    offer_ids: [{ value: '5b3e1f0c-4a4e-4f38-9c59-2d0c3d3b0a11-O42' }],
    operations: [
      {
        type: 'RESERVE',
        id: { value: 'reserve-1' },
        reserve: {
          resources: [{ ...cpus(1), reservations: [{ type: 'DYNAMIC', role: 'eng', principal: 'example', labels: { labels: [{ key: 'k', value: 'v' }] } }] }],
        },
      },
      {
        type: 'CREATE',
        create: {
          volumes: [{
            name: 'disk', type: 'SCALAR', scalar: { value: 64 },
            reservations: [{ type: 'DYNAMIC', role: 'eng', principal: 'example' }],
            disk: { persistence: { id: 'vol-1', principal: 'example' }, volume: { mode: 'RW', container_path: 'data' } },
          }],
        },
      },
      { type: 'LAUNCH', launch: { task_infos: [launchTask] } },
      {
        type: 'LAUNCH_GROUP',
        launch_group: {
          executor: {
            type: 'DEFAULT',
            executor_id: { value: 'default-executor-1' },
            framework_id: FRAMEWORK_ID,
            resources: [cpus(0.1, 'eng'), mem(32)],
            container: { type: 'MESOS', network_infos: [{ name: 'overlay' }] },
            shutdown_grace_period: { nanoseconds: '10000000000' },
          },
          task_group: {
            tasks: [
              { name: 'a', task_id: { value: 'group-a' }, agent_id: AGENT_ID, resources: [cpus(0.5, 'eng')], command: { value: 'sleep 1000' } },
              {
                name: 'b', task_id: { value: 'group-b' }, agent_id: AGENT_ID, resources: [cpus(0.5, 'eng')],
                command: { shell: false, value: '/bin/sleep', arguments: ['sleep', '1000'] },
                check: { type: 'TCP', tcp: { port: 8080 } },
              },
            ],
          },
        },
      },
    ],
    filters: { refuse_seconds: '30' },
  },
};

export const acknowledgeCall = {
  framework_id: FRAMEWORK_ID,
  type: 8,
  acknowledge: { agent_id: AGENT_ID, task_id: { value: 'web-1' }, uuid: UUID_B64 },
};

export const updateFrameworkCall = {
  framework_id: FRAMEWORK_ID,
  type: 'UPDATE_FRAMEWORK',
  update_framework: {
    framework_info: { user: 'root', name: 'Example HTTP Framework', id: FRAMEWORK_ID, roles: ['eng'], capabilities: [{ type: 'MULTI_ROLE' }], failover_timeout: 604800 },
    suppressed_roles: [],
  },
};

export const masterInfo = {
  id: '0b6a4b56-1c52-4e4c-8d0a-5f3bd9a8e6d1',
  ip: 184549386,
  port: 5050,
  pid: 'master@10.0.0.11:5050',
  hostname: 'm1',
  version: '1.11.0',
  address: { hostname: 'm1', ip: '10.0.0.11', port: 5050 },
  capabilities: [{ type: 'AGENT_UPDATE' }, { type: 'AGENT_DRAINING' }, { type: 'QUOTA_V2' }],
};

export const subscribedEvent = {
  type: 'SUBSCRIBED',
  subscribed: { framework_id: FRAMEWORK_ID, heartbeat_interval_seconds: 15, master_info: masterInfo },
};

export const offer = {
  id: { value: '5b3e1f0c-4a4e-4f38-9c59-2d0c3d3b0a11-O42' },
  framework_id: FRAMEWORK_ID,
  agent_id: AGENT_ID,
  hostname: 'agent1',
  url: { scheme: 'http', address: { hostname: 'agent1', ip: '10.0.0.5', port: 5051 }, path: '/slave(1)' },
  domain: { fault_domain: { region: { name: 'r' }, zone: { name: 'z' } } },
  resources: [cpus(4, 'eng'), { ...mem(8192), allocation_info: { role: 'eng' } }, { ...ports, allocation_info: { role: 'eng' } }],
  attributes: [{ name: 'os', type: 'TEXT', text: { value: 'ubuntu' } }, { name: 'rack', type: 'SCALAR', scalar: { value: 3 } }],
  executor_ids: [{ value: 'e1' }],
  unavailability: { start: { nanoseconds: 1700000000000000000 }, duration: { nanoseconds: 3600000000000 } },
  allocation_info: { role: 'eng' },
};

export const offersEvent = { type: 'OFFERS', offers: { offers: [offer] } };

export const taskStatus = {
  task_id: { value: 'web-1' },
  state: 'TASK_RUNNING',
  message: 'health check passed',
  source: 'SOURCE_EXECUTOR',
  reason: 'REASON_TASK_HEALTH_CHECK_STATUS_UPDATED',
  data: 'aGVsbG8=',
  agent_id: AGENT_ID,
  executor_id: { value: 'web-1' },
  timestamp: 1470820172.07315,
  uuid: UUID_B64,
  healthy: true,
  check_status: { type: 'COMMAND', command: { exit_code: 0 } },
  labels: { labels: [] },
  container_status: {
    container_id: { value: 'c1', parent: { value: 'c0' } },
    network_infos: [{ ip_addresses: [{ protocol: 'IPv4', ip_address: '10.0.0.5' }] }],
    executor_pid: 123,
  },
};

export const updateEvent = { type: 'UPDATE', update: { status: taskStatus } };

export const updateOperationStatusEvent = {
  type: 'UPDATE_OPERATION_STATUS',
  update_operation_status: {
    status: {
      operation_id: { value: 'reserve-1' },
      state: 'OPERATION_FINISHED',
      converted_resources: [{ ...cpus(1), reservations: [{ type: 'DYNAMIC', role: 'eng' }] }],
      uuid: { value: UUID_B64 },
      agent_id: AGENT_ID,
    },
  },
};

const agentInfo = {
  hostname: 'agent1',
  port: 5051,
  id: AGENT_ID,
  resources: [cpus(4), mem(8192), ports],
  attributes: [{ name: 'os', type: 'TEXT', text: { value: 'ubuntu' } }],
};

const masterTask = {
  name: 'web-1',
  task_id: { value: 'web-1' },
  framework_id: FRAMEWORK_ID,
  executor_id: null,
  agent_id: AGENT_ID,
  state: 'TASK_RUNNING',
  resources: [cpus(0.5, 'eng'), mem(128)],
  statuses: [{ task_id: { value: 'web-1' }, state: 'TASK_STARTING', timestamp: 1470820170.1 }, taskStatus],
  status_update_state: 'TASK_RUNNING',
  status_update_uuid: UUID_B64,
  limits: { cpus: { value: 'Infinity' } },
};

export const getStateResponse = {
  type: 'GET_STATE',
  get_state: {
    get_tasks: { tasks: [masterTask], completed_tasks: [{ ...masterTask, task_id: { value: 'old' }, state: 'TASK_FINISHED' }] },
    get_executors: { executors: [{ executor_info: { executor_id: { value: 'default-executor-1' }, type: 'DEFAULT', framework_id: FRAMEWORK_ID }, agent_id: AGENT_ID }] },
    get_frameworks: {
      frameworks: [{
        framework_info: { ...subscribeCall.subscribe.framework_info, id: FRAMEWORK_ID },
        active: true,
        connected: true,
        recovered: false,
        registered_time: { nanoseconds: 1700000000000000000 },
        offers: [offer],
        allocated_resources: [cpus(0.5, 'eng')],
        offered_resources: offer.resources,
      }],
    },
    get_agents: {
      agents: [{
        agent_info: agentInfo,
        active: true,
        deactivated: false,
        version: '1.11.0',
        pid: 'slave(1)@10.0.0.5:5051',
        registered_time: { nanoseconds: 1700000000000000000 },
        total_resources: agentInfo.resources,
        capabilities: [{ type: 'MULTI_ROLE' }, { type: 'HIERARCHICAL_ROLE' }, { type: 'RESERVATION_REFINEMENT' }, { type: 'AGENT_DRAINING' }],
        drain_info: { state: 'DRAINING', config: { max_grace_period: { nanoseconds: 10000000000 } } },
      }],
      recovered_agents: [],
    },
  },
};
