/**
 * What the agent says about its version. Clients choose capabilities from the Mesos version
 * they see (`/version`, GET_VERSION), so we report the Mesos release whose APIs we speak, and
 * Agora's own version alongside.
 */
import type { VersionInfo } from '@agora/protocol';

/** The Mesos release whose wire behaviour Agora reproduces. */
export const MESOS_COMPATIBLE_VERSION = '1.11.0';
export const AGORA_VERSION = '0.1.0';

export function versionInfo(): VersionInfo {
  return {
    version: MESOS_COMPATIBLE_VERSION,
    build_date: '2026-01-01 00:00:00',
    build_time: Date.UTC(2026, 0, 1) / 1000,
    build_user: 'agora',
    git_tag: `agora-${AGORA_VERSION}`,
  };
}
