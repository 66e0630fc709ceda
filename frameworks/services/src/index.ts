/**
 * @agora/services: the Marathon-compatible services framework. The daemon entry (`main`,
 * `SERVICES_FLAGS`, `startServices`) is what the CLI and `agora local` start; the model and the
 * pure core are exported for tools and tests.
 */
export { main, SERVICES_FLAGS, startServices, type ServicesHandle, type ServicesOptions, type StartExtras } from './daemon.ts';
export { parseAppBody, appToJson } from './model/app-json.ts';
export type { AppDefinition, AppSpec } from './model/types.ts';
export type { ApiError, ErrorBody } from './model/errors.ts';
export { reconcile, type ReconcileInput, type ReconcileOutput } from './core/reconcile.ts';
export { planDeployment, type Deployment } from './core/deployment.ts';
