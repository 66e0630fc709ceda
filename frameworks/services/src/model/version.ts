/**
 * Versions are ISO-8601 timestamps with milliseconds (`2015-09-29T15:59:51.164Z`) taken from an
 * injected clock; `versionInfo` tells a scaling change (`lastScalingAt`) from a configuration
 * change (`lastConfigChangeAt`). Instances remember the `lastConfigChangeAt` they were launched
 * with; an instance is current when it equals the app's.
 */

export interface VersionInfo {
  readonly lastScalingAt: string;
  readonly lastConfigChangeAt: string;
}

/** The version string for `nowMs` (milliseconds since the epoch). */
export function versionAt(nowMs: number): string {
  return new Date(nowMs).toISOString();
}

/** A brand new configuration (create, restart, or any change that replaces tasks). */
export function newConfigVersion(version: string): VersionInfo {
  return { lastScalingAt: version, lastConfigChangeAt: version };
}

/**
 * A change that keeps running tasks (scaling, label-only and other non-restarting changes): the
 * configuration version stays, so running instances stay current.
 */
export function scalingVersion(previous: VersionInfo, version: string): VersionInfo {
  return { lastScalingAt: version, lastConfigChangeAt: previous.lastConfigChangeAt };
}
