// Public entry of @agora/runtime: the imperative shell's shared parts.
export * from './clock.ts';
export * from './flags.ts';
export * from './http.ts';
export * from './log.ts';
export * from './metrics.ts';
export * from './channel.ts';
export * from './ws-channel.ts';
export * from './daemon.ts';
export * from './limiter.ts';
