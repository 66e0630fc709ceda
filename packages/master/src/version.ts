/**
 * Versions reported by `/version`, GET_VERSION and MasterInfo. Clients pick features from the
 * Mesos version, so we report the Mesos release whose APIs we implement; Agora's own version is
 * reported alongside.
 */
export const VERSION = {
  mesos: '1.11.0',
  agora: '0.1.0',
  buildDate: '2026-11-23 00:00:00',
  buildTime: 1795392000,
  buildUser: 'agora',
} as const;
