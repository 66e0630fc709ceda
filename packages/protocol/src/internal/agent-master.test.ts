import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decode, formatDecodeError } from '../codec/schema.ts';
import { AgentMessage, MasterMessage } from './agent-master.ts';

const UUID = 'hTaLQ0b5Q1OZuab7QclTKQ==';

test('agent messages decode with their sub-message', () => {
  const r = decode(AgentMessage, {
    type: 'STATUS_UPDATE',
    status_update: {
      update: {
        framework_id: { value: 'f' },
        agent_id: { value: 'a' },
        status: { task_id: { value: 't' }, state: 'TASK_RUNNING', uuid: UUID, source: 'SOURCE_EXECUTOR' },
        timestamp: 1.5,
        uuid: UUID,
        latest_state: 'TASK_RUNNING',
      },
    },
  });
  assert.ok(r.ok);
  assert.deepEqual(decode(AgentMessage, { type: 'PONG' }), { ok: true, value: { type: 'PONG' } });
});

test('a type without its sub-message, or a re-registration without an ID, is rejected naming the field', () => {
  const missing = decode(AgentMessage, { type: 'REGISTER_AGENT' });
  assert.ok(!missing.ok && formatDecodeError(missing.error) === 'register_agent: missing required field for type REGISTER_AGENT');
  const noId = decode(AgentMessage, { type: 'REREGISTER_AGENT', reregister_agent: { agent_info: { hostname: 'h' }, version: '1' } });
  assert.ok(!noId.ok && formatDecodeError(noId.error).startsWith('reregister_agent.agent_info.id: missing required field'));
  const badUuid = decode(MasterMessage, {
    type: 'STATUS_UPDATE_ACKNOWLEDGEMENT',
    status_update_acknowledgement: { framework_id: { value: 'f' }, task_id: { value: 't' }, uuid: 'AAAA' },
  });
  assert.ok(!badUuid.ok && formatDecodeError(badUuid.error) === 'status_update_acknowledgement.uuid: expected 16 bytes, got 3');
});

test('master messages round-trip through JSON', () => {
  const msg = {
    type: 'RUN_TASK' as const,
    run_task: {
      framework: { user: 'u', name: 'n', id: { value: 'f' }, failover_timeout: 0, checkpoint: false },
      task: { name: 't', task_id: { value: 't1' }, agent_id: { value: 'a' }, command: { value: 'true', shell: true } },
    },
  };
  const r = decode(MasterMessage, JSON.parse(JSON.stringify(msg)));
  assert.ok(r.ok);
  if (r.ok) assert.equal(r.value.run_task?.task.task_id.value, 't1');
  assert.ok(decode(MasterMessage, { type: 'PING', ping: { connected: true } }).ok);
});
