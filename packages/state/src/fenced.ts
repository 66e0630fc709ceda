/** The fenced view both stores hand out: reads pass through, writes carry the token. */
import type { Result } from '@agora/protocol';
import type { Entry, Expected, FenceToken, FencedStore, StoreError, Version } from './store.ts';

/** What a store implements once, for plain (`token` undefined) and fenced writes alike. */
export interface WriteOps {
  get(key: string): Promise<Result<Entry | undefined, StoreError>>;
  list(prefix: string): Promise<Result<string[], StoreError>>;
  write(key: string, value: Uint8Array, expected: Expected, token: FenceToken | undefined): Promise<Result<Version, StoreError>>;
  remove(key: string, expected: Version | 'any', token: FenceToken | undefined): Promise<Result<void, StoreError>>;
}

export function fencedView(ops: WriteOps, token: FenceToken): FencedStore {
  const frozen: FenceToken = Object.freeze({ ...token });
  return {
    token: frozen,
    get: (key) => ops.get(key),
    list: (prefix) => ops.list(prefix),
    set: (key, value, expected) => ops.write(key, value, expected, frozen),
    delete: (key, expected = 'any') => ops.remove(key, expected, frozen),
  };
}

/** Checks an `Expected` against what is stored (`undefined` = no value). */
export function expectationMet(expected: Expected, current: Version | undefined): boolean {
  if (expected === 'any') return true;
  if (expected === 'absent') return current === undefined;
  return current === expected;
}

export function describeExpected(expected: Expected): string {
  return expected === 'absent' ? 'no value' : expected === 'any' ? 'anything' : `version ${expected}`;
}

export function describeCurrent(current: Version | undefined): string {
  return current === undefined ? 'no value' : `version ${current}`;
}

/** Validates a version given as an expectation (a non-negative safe integer). */
export function isVersion(v: unknown): v is Version {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}
