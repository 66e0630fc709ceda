/**
 * The executor side of the SDK: implement `Executor`, run it with `ExecutorDriver`.
 * `FakeAgentExecutorApi` is a scripted agent for testing executors without one.
 */
export type { Executor, SubscribedInfo } from './executor.ts';
export {
  ExecutorDriver,
  DEFAULT_HEARTBEAT_INTERVAL_MS,
  DEFAULT_SUBSCRIBE_RETRY_MS,
  type ExecutorDriverOptions,
  type ExecutorDriverState,
} from './driver.ts';
export {
  parseExecutorEnvironment,
  formatEnvironmentError,
  DEFAULT_RECOVERY_TIMEOUT_MS,
  DEFAULT_SHUTDOWN_GRACE_PERIOD_MS,
  DEFAULT_SUBSCRIPTION_BACKOFF_MAX_MS,
  type Environment,
  type EnvironmentError,
  type ExecutorConfig,
} from './environment.ts';
export { newStatusUuid, type StatusUpdateInput } from './status-update.ts';
export { processClock } from './clock.ts';
export { fetchTransport, nodeHttpTransport, type ExecutorTransport, type EventStream, type FetchLike, type SendFailure, type StreamHandlers } from './transport.ts';
export { FakeAgentExecutorApi, type FakeAgentOptions, type FakeSubscription } from './testing/fake-agent.ts';
