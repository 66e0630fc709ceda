/** Agent draining (mesos.proto): DrainState, DrainConfig, DrainInfo. */
import { bool, enumeration, message, optional, required, withDefault, type Infer } from '../codec/schema.ts';
import { DurationInfo } from './common.ts';

export const DrainState = enumeration('DrainState', { UNKNOWN: 0, DRAINING: 1, DRAINED: 2 });
export type DrainState = Infer<typeof DrainState>;

/**
 * `max_grace_period` caps each task's kill grace period while draining; with `mark_gone` the
 * agent is marked gone once drained and its tasks end as TASK_GONE_BY_OPERATOR.
 */
export const DrainConfig = message('DrainConfig', {
  max_grace_period: optional(DurationInfo),
  mark_gone: withDefault(bool, false),
});
export type DrainConfig = Infer<typeof DrainConfig>;

/** DRAINED means every task is terminal and acknowledged and every operation finished. */
export const DrainInfo = message('DrainInfo', { state: required(DrainState), config: required(DrainConfig) });
export type DrainInfo = Infer<typeof DrainInfo>;
