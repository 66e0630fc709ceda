/**
 * Launch backoff per app (Marathon §1.9): after an instance fails (or finishes: services are
 * meant to run forever), the next launch waits `backoffSeconds × backoffFactor^(failures-1)`,
 * capped at `maxLaunchDelaySeconds`. A kill the framework asked for does not count. Reset by a
 * new configuration version and by `DELETE /v2/queue/{id}/delay`.
 */
import type { AppSpec } from '../model/types.ts';

export interface Backoff {
  /** Failures since the last reset. */
  readonly failures: number;
  /** Epoch ms before which no instance of the app is launched. */
  readonly delayUntil: number;
  /** The configuration version the count belongs to (a new one resets it). */
  readonly configVersion: string;
}

export function delaySeconds(app: Pick<AppSpec, 'backoffSeconds' | 'backoffFactor' | 'maxLaunchDelaySeconds'>, failures: number): number {
  if (failures <= 0) return 0;
  return Math.min(app.backoffSeconds * app.backoffFactor ** (failures - 1), app.maxLaunchDelaySeconds);
}

/** The backoff after one more failure at `now`. */
export function afterFailure(prev: Backoff | undefined, app: AppSpec, configVersion: string, now: number): Backoff {
  const failures = prev && prev.configVersion === configVersion ? prev.failures + 1 : 1;
  return { failures, delayUntil: now + delaySeconds(app, failures) * 1000, configVersion };
}

export function isDelayed(b: Backoff | undefined, configVersion: string, now: number): boolean {
  return b !== undefined && b.configVersion === configVersion && now < b.delayUntil;
}
