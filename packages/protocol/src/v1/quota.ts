/**
 * Quota (quota.proto). QuotaConfig is the current form (guarantees and limits as scalar maps);
 * QuotaInfo/QuotaRequest are the deprecated pre-1.9 forms, still reported and accepted.
 */
import { bool, mapOf, message, optional, repeated, required, string, type Infer } from '../codec/schema.ts';
import { Resource, ResourceQuantity } from './resources.ts';

/** Scalars only (cpus, mem, disk, gpus, custom); a missing map means no guarantee / no limit. */
export const QuotaConfig = message('quota.QuotaConfig', {
  role: required(string),
  guarantees: optional(mapOf(ResourceQuantity)),
  limits: optional(mapOf(ResourceQuantity)),
});
export type QuotaConfig = Infer<typeof QuotaConfig>;

export const QuotaInfo = message('quota.QuotaInfo', {
  role: optional(string),
  principal: optional(string),
  guarantee: repeated(Resource),
});
export type QuotaInfo = Infer<typeof QuotaInfo>;

export const QuotaRequest = message('quota.QuotaRequest', {
  force: optional(bool),
  role: optional(string),
  guarantee: repeated(Resource),
});
export type QuotaRequest = Infer<typeof QuotaRequest>;

/** Every non-default quota; `infos` mirrors `configs` for old clients (without limits). */
export const QuotaStatus = message('quota.QuotaStatus', {
  infos: repeated(QuotaInfo),
  configs: repeated(QuotaConfig),
});
export type QuotaStatus = Infer<typeof QuotaStatus>;
