/**
 * What a `CommandInfo.URI` names, decided without any I/O (Mesos's `Fetcher::basename`,
 * `validateUri` and `uriToLocalPath`):
 *
 *  - leading whitespace is ignored; `\`, `'` and NUL are illegal anywhere;
 *  - `scheme://rest` (a scheme of two or more characters) goes to the plug-in for that scheme;
 *    `rest` must have a path, and the file name is what follows its last `/` (query included,
 *    as in Mesos);
 *  - `file:///abs`, `file://localhost/abs` and plain absolute paths are local files (scheme
 *    `file`); relative paths are refused (Mesos resolves them against `--frameworks_home`,
 *    which Agora does not have).
 *
 * The output name (`output_file`, else the file name) is a path inside the sandbox: leading `/`
 * are dropped (Mesos joins it under the sandbox too), `.` and empty components are ignored, and
 * a `..` component is refused.
 */
import { err, ok, type Result } from '@agora/protocol';
import { MAX_PATH_BYTES } from './archive/paths.ts';

export interface FetchUri {
  /** The URI as given, without leading whitespace. */
  readonly value: string;
  /** Lower case, without `://`; `file` for local paths. */
  readonly scheme: string;
  /** The local path, for `file`. */
  readonly path?: string;
  /** The last path component (what the download is called unless `output_file` says otherwise). */
  readonly basename: string;
}

const SCHEME = /^([A-Za-z][A-Za-z0-9+.-]+):\/\//;

export function parseFetchUri(raw: string): Result<FetchUri, string> {
  const value = raw.replace(/^\s+/, '');
  if (value === '') return err('the URI is empty');
  if (/[\\'\0]/.test(value)) return err("illegal characters in the URI (\\, ' and NUL are not allowed)");
  const m = SCHEME.exec(value);
  if (m && m[1]!.toLowerCase() !== 'file') {
    const rest = value.slice(m[0].length);
    const slash = rest.indexOf('/');
    if (slash < 0 || slash === rest.length - 1) return err('malformed URI (missing path)');
    return ok({ value, scheme: m[1]!.toLowerCase(), basename: rest.slice(rest.lastIndexOf('/') + 1) });
  }
  let path = value;
  if (m) {
    path = value.slice(m[0].length);
    if (path.toLowerCase().startsWith('localhost/')) path = path.slice('localhost'.length);
    if (!path.startsWith('/')) return err('file URIs take absolute paths only (file:///path or file://localhost/path)');
  } else if (!path.startsWith('/')) {
    return err('relative paths are not supported: give an absolute path or a file:// URI');
  }
  const basename = path.replace(/\/+$/, '').split('/').pop() ?? '';
  if (basename === '') return err('the path names no file');
  return ok({ value, scheme: 'file', path, basename });
}

/** The sandbox-relative components of an output name, or why it cannot be one. */
export function outputComponents(name: string): Result<string[], string> {
  if (name.includes('\0')) return err('the output file name contains NUL');
  if (name.endsWith('/')) return err(`the output file name '${name}' ends with '/' (it must name a file)`);
  const parts = name.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) return err(`the output file '${name}' would leave the sandbox ('..' is not allowed)`);
  if (parts.length === 0) return err(`the output file name '${name}' names no file`);
  const long = parts.find((p) => Buffer.byteLength(p) > 255);
  if (long !== undefined) return err(`the output file name component '${long.slice(0, 32)}…' is longer than 255 bytes`);
  if (Buffer.byteLength(name) > MAX_PATH_BYTES) return err(`the output file name is longer than ${MAX_PATH_BYTES} bytes`);
  return ok(parts);
}

/** Checks a URI without fetching it: the error is what the task's status will say. */
export function uriProblem(uri: { value: string; output_file?: string | undefined }): string | undefined {
  const parsed = parseFetchUri(uri.value);
  if (!parsed.ok) return parsed.error;
  const name = uri.output_file ?? parsed.value.basename;
  if (uri.output_file === undefined && name === '') return 'the URI names no file: give an output_file';
  const out = outputComponents(name);
  return out.ok ? undefined : out.error;
}
