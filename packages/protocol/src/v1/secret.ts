/**
 * Secret (mesos.proto): privileged data passed by value (base64 `data`) or by reference to a
 * secret store. Used by environment variables, volumes and docker registry credentials.
 */
import { bytes, enumeration, message, optional, required, string, type Infer } from '../codec/schema.ts';

export const SecretType = enumeration('Secret.Type', { UNKNOWN: 0, REFERENCE: 1, VALUE: 2 });
export type SecretType = Infer<typeof SecretType>;

export const SecretReference = message('Secret.Reference', { name: required(string), key: optional(string) });
export type SecretReference = Infer<typeof SecretReference>;

export const SecretValue = message('Secret.Value', { data: required(bytes()) });
export type SecretValue = Infer<typeof SecretValue>;

/** Exactly one of `reference` / `value` should be set; that rule is the agent's to enforce. */
export const Secret = message('Secret', {
  type: optional(SecretType),
  reference: optional(SecretReference),
  value: optional(SecretValue),
});
export type Secret = Infer<typeof Secret>;

/** Credential (mesos.proto); a principal and an optional plain-text secret. */
export const Credential = message('Credential', { principal: required(string), secret: optional(string) });
export type Credential = Infer<typeof Credential>;
