// Public entry of @agora/sdk: the scheduler and executor sides for framework authors.
export * from './executor/index.ts';
export * from './scheduler/index.ts';
export * from './wire.ts';
