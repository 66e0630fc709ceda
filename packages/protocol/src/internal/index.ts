/** Agora's internal agent↔master protocol (not a Mesos API; see ADR 0002). */
export * from './agent-master.ts';
export * from './executor-host.ts';
