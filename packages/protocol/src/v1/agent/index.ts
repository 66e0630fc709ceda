/**
 * The agent operator API (`POST /api/v1` on the agent), re-exported as the `agent` namespace:
 * `agent.Call`, `agent.Response`, `agent.ProcessIO`, `agent.LaunchContainer`...
 */
export * from './call.ts';
export * from './process-io.ts';
export * from './response.ts';
