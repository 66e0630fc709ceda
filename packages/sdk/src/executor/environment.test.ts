import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatEnvironmentError, parseExecutorEnvironment } from './environment.ts';

const base = { MESOS_FRAMEWORK_ID: 'f-0000', MESOS_EXECUTOR_ID: 'e1', MESOS_AGENT_ENDPOINT: '10.0.0.5:5051' };
const failure = (env: Record<string, string | undefined>) => {
  const r = parseExecutorEnvironment(env);
  return r.ok ? 'parsed' : formatEnvironmentError(r.error);
};

test('a minimal environment gets the agent defaults', () => {
  const r = parseExecutorEnvironment(base);
  assert.ok(r.ok);
  assert.deepEqual(r.value, {
    frameworkId: 'f-0000',
    executorId: 'e1',
    agentUrl: 'http://10.0.0.5:5051/api/v1/executor',
    agentEndpoint: '10.0.0.5:5051',
    directory: undefined,
    sandbox: undefined,
    checkpoint: false,
    recoveryTimeoutMs: 15 * 60_000,
    subscriptionBackoffMaxMs: 2_000,
    shutdownGracePeriodMs: 5_000,
    authenticationToken: undefined,
    domainSocket: undefined,
    agentId: undefined,
  });
});

test('all variables', () => {
  const r = parseExecutorEnvironment({
    ...base,
    MESOS_DIRECTORY: '/var/agora/sandbox',
    MESOS_CHECKPOINT: '1',
    MESOS_RECOVERY_TIMEOUT: '1mins',
    MESOS_SUBSCRIPTION_BACKOFF_MAX: '500ms',
    MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD: '1.5secs',
    MESOS_EXECUTOR_AUTHENTICATION_TOKEN: 'jwt',
    MESOS_SLAVE_ID: 'S1',
    MESOS_DOMAIN_SOCKET: '/run/agora/executors.sock',
  });
  assert.ok(r.ok);
  assert.equal(r.value.sandbox, '/var/agora/sandbox', 'MESOS_SANDBOX defaults to MESOS_DIRECTORY');
  assert.equal(r.value.checkpoint, true);
  assert.equal(r.value.recoveryTimeoutMs, 60_000);
  assert.equal(r.value.subscriptionBackoffMaxMs, 500);
  assert.equal(r.value.shutdownGracePeriodMs, 1_500);
  assert.equal(r.value.authenticationToken, 'jwt');
  assert.equal(r.value.agentId, 'S1');
  assert.equal(r.value.domainSocket, '/run/agora/executors.sock');
  const sandboxed = parseExecutorEnvironment({ ...base, MESOS_DIRECTORY: '/host/path', MESOS_SANDBOX: '/mnt/mesos/sandbox' });
  assert.ok(sandboxed.ok && sandboxed.value.sandbox === '/mnt/mesos/sandbox' && sandboxed.value.directory === '/host/path');
});

test('endpoint forms', () => {
  const url = (e: string) => {
    const r = parseExecutorEnvironment({ ...base, MESOS_AGENT_ENDPOINT: e });
    return r.ok ? r.value.agentUrl : formatEnvironmentError(r.error);
  };
  assert.equal(url('agent1:5051'), 'http://agent1:5051/api/v1/executor');
  assert.equal(url('[::1]:5051'), 'http://[::1]:5051/api/v1/executor');
  assert.equal(url('https://agent1:5051/'), 'https://agent1:5051/api/v1/executor');
  assert.equal(url('agent1'), "MESOS_AGENT_ENDPOINT: 'agent1' has no port (expected ip:port)");
  assert.equal(url('::::'), "MESOS_AGENT_ENDPOINT: '::::' is not an address (expected ip:port)");
});

test('missing or invalid variables are errors naming the variable', () => {
  assert.equal(failure({ ...base, MESOS_FRAMEWORK_ID: undefined }), 'MESOS_FRAMEWORK_ID: expected to be set in the environment');
  assert.equal(failure({ ...base, MESOS_EXECUTOR_ID: undefined }), 'MESOS_EXECUTOR_ID: expected to be set in the environment');
  assert.equal(failure({ ...base, MESOS_EXECUTOR_ID: ' ' }), 'MESOS_EXECUTOR_ID: must not be empty');
  assert.equal(failure({ ...base, MESOS_AGENT_ENDPOINT: undefined }), 'MESOS_AGENT_ENDPOINT: expected to be set in the environment');
  assert.equal(failure({ ...base, MESOS_CHECKPOINT: 'yes' }), "MESOS_CHECKPOINT: expected 0 or 1, got 'yes'");
  assert.equal(failure({ ...base, MESOS_RECOVERY_TIMEOUT: '15' }), "MESOS_RECOVERY_TIMEOUT: invalid duration '15': expected a number and a unit, e.g. '5secs'");
  assert.match(failure({ ...base, MESOS_SUBSCRIPTION_BACKOFF_MAX: '2seconds' }), /^MESOS_SUBSCRIPTION_BACKOFF_MAX: unknown duration unit 'seconds'/);
  assert.match(failure({ ...base, MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD: '-5secs' }), /^MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD: invalid duration/);
});
