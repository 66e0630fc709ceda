/**
 * The v1 executor API (`/api/v1/executor` on the agent), re-exported as the `executor`
 * namespace: `executor.Call`, `executor.Event`, `executor.validateExecutorCall`...
 */
export * from './call.ts';
export * from './event.ts';
export * from './validate.ts';
