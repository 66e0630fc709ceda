/**
 * The master operator API (`POST /api/v1` on the master), re-exported as the `master`
 * namespace: `master.Call`, `master.Response`, `master.Event`, `master.GetState`...
 */
export * from './call.ts';
export * from './event.ts';
export * from './response.ts';
