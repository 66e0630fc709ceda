/**
 * CommandInfo (mesos.proto): what an executor or a command task runs, the URIs the fetcher puts
 * in the sandbox first, and the environment it runs with.
 */
import { bool, enumeration, message, optional, repeated, required, string, withDefault, type Infer } from '../codec/schema.ts';
import { Secret } from './secret.ts';

/** A file to fetch into the sandbox. Archives are extracted unless `extract` is false or `executable` is set. */
export const CommandInfoURI = message('CommandInfo.URI', {
  value: required(string),
  executable: optional(bool),
  extract: withDefault(bool, true),
  cache: optional(bool),
  output_file: optional(string),
});
export type CommandInfoURI = Infer<typeof CommandInfoURI>;

export const EnvironmentVariableType = enumeration('Environment.Variable.Type', { UNKNOWN: 0, VALUE: 1, SECRET: 2 });
export type EnvironmentVariableType = Infer<typeof EnvironmentVariableType>;

/** One variable: `value` for type VALUE (the default), `secret` for type SECRET. */
export const EnvironmentVariable = message('Environment.Variable', {
  name: required(string),
  type: withDefault(EnvironmentVariableType, 'VALUE'),
  value: optional(string),
  secret: optional(Secret),
});
export type EnvironmentVariable = Infer<typeof EnvironmentVariable>;

export const Environment = message('Environment', { variables: repeated(EnvironmentVariable) });
export type Environment = Infer<typeof Environment>;

/**
 * With `shell` (the default) `value` runs as `/bin/sh -c <value>` and `arguments` is ignored;
 * without it `value` is the executable and `arguments` the whole argv, argv[0] included.
 */
export const CommandInfo = message('CommandInfo', {
  uris: repeated(CommandInfoURI),
  environment: optional(Environment),
  shell: withDefault(bool, true),
  value: optional(string),
  arguments: repeated(string),
  user: optional(string),
});
export type CommandInfo = Infer<typeof CommandInfo>;
