// Public entry of @agora/protocol. Everything other packages use is re-exported here.
//
// Naming: mesos.v1 messages are exported flat (FrameworkInfo, TaskStatus, Offer...). The four
// APIs whose Call/Event/Response names collide are namespaces:
//   scheduler.Call / scheduler.Event          (/api/v1/scheduler)
//   executor.Call  / executor.Event           (/api/v1/executor)
//   master.Call / master.Response / master.Event   (operator API on the master)
//   agent.Call  / agent.Response / agent.ProcessIO (operator API on the agent)
// The validators are also exported flat (validateSchedulerCall...). See README.md.

export * from './codec/result.ts';
export * from './codec/schema.ts';
export * from './codec/base64.ts';
export * from './codec/json.ts';

export * from './v1/ids.ts';
export * from './v1/common.ts';
export * from './v1/resources.ts';
export * from './v1/secret.ts';
export * from './v1/command.ts';
export * from './v1/image.ts';
export * from './v1/volume.ts';
export * from './v1/network.ts';
export * from './v1/linux.ts';
export * from './v1/container.ts';
export * from './v1/discovery.ts';
export * from './v1/health.ts';
export * from './v1/executor-info.ts';
export * from './v1/status.ts';
export * from './v1/task.ts';
export * from './v1/offer-operation.ts';
export * from './v1/offer.ts';
export * from './v1/operation.ts';
export * from './v1/framework.ts';
export * from './v1/master-info.ts';
export * from './v1/agent-info.ts';
export * from './v1/resource-provider.ts';
export * from './v1/drain.ts';
export * from './v1/maintenance.ts';
export * from './v1/quota.ts';
export * from './v1/roles.ts';
export * from './v1/introspection.ts';
export * from './v1/statistics.ts';

export * as scheduler from './v1/scheduler/index.ts';
export * as executor from './v1/executor/index.ts';
export * as master from './v1/master/index.ts';
export * as agent from './v1/agent/index.ts';
export { validateSchedulerCall } from './v1/scheduler/validate.ts';
export { validateExecutorCall } from './v1/executor/validate.ts';
export { validateMasterCall } from './v1/master/call.ts';
export { validateAgentCall } from './v1/agent/call.ts';

export * from './recordio/encode.ts';
export * from './recordio/decode.ts';
export * from './recordio/stream.ts';

export * from './errors.ts';
export * from './durations.ts';
export * from './uuid.ts';

export * as internal from './internal/index.ts';
