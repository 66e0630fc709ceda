/**
 * The v1 scheduler API (`/api/v1/scheduler`), re-exported as the `scheduler` namespace:
 * `scheduler.Call`, `scheduler.Event`, `scheduler.Accept`, `scheduler.validateSchedulerCall`...
 */
export * from './call.ts';
export * from './event.ts';
export * from './offer-constraints.ts';
export * from './validate.ts';
