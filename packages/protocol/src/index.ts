// Public entry of @agora/protocol. Everything other packages use is re-exported here.
export * from './codec/result.ts';
export * from './codec/schema.ts';
export * from './codec/base64.ts';
export * from './v1/ids.ts';
export * from './v1/common.ts';
export * from './v1/resources.ts';
