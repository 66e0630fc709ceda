/**
 * `zk://[user:pass@]host1:port1,host2:port2/path` (Mesos's `--zk` and `--master=zk://...`).
 * The port defaults to 2181 (IPv6 addresses are not supported by the client; use names). The path is where masters
 * register (`<path>/json.info_*`); it must be absolute, may not be `/`, and has no empty, `.` or
 * `..` segments. `user:pass` is ZooKeeper digest authentication.
 */
import { err, ok, type Result } from '@agora/protocol';

export interface ZkHost {
  readonly host: string;
  readonly port: number;
}

export interface ZkAuth {
  readonly scheme: 'digest';
  /** `user:password`, as ZooKeeper's digest scheme takes it. */
  readonly credentials: string;
}

export interface ZkUrl {
  readonly hosts: readonly ZkHost[];
  /** The connect string for the client: `h1:p1,h2:p2` (no chroot; paths are absolute). */
  readonly servers: string;
  readonly path: string;
  readonly auth?: ZkAuth;
}

export function parseZkUrl(url: string): Result<ZkUrl, string> {
  const bad = (why: string) => err(`invalid ZooKeeper URL '${redact(url)}': ${why}`);
  if (!url.startsWith('zk://')) return bad("expected 'zk://[user:pass@]host:port[,host:port...]/path'");
  const rest = url.slice('zk://'.length);
  const slash = rest.indexOf('/');
  if (slash < 0) return bad('missing path (as in zk://host:2181/agora)');
  let authority = rest.slice(0, slash);
  const path = rest.slice(slash);
  let auth: ZkAuth | undefined;
  const at = authority.lastIndexOf('@');
  if (at >= 0) {
    const credentials = authority.slice(0, at);
    authority = authority.slice(at + 1);
    const colon = credentials.indexOf(':');
    if (colon <= 0 || colon === credentials.length - 1) return bad("credentials must be 'user:password'");
    auth = { scheme: 'digest', credentials };
  }
  if (authority === '') return bad('no servers');
  const hosts: ZkHost[] = [];
  for (const part of authority.split(',')) {
    const h = parseHost(part);
    if (!h.ok) return bad(h.error);
    hosts.push(h.value);
  }
  const p = validatePath(path);
  if (p) return bad(p);
  const servers = hosts.map((h) => `${h.host}:${h.port}`).join(',');
  return ok(auth ? { hosts, servers, path, auth } : { hosts, servers, path });
}

function parseHost(part: string): Result<ZkHost, string> {
  if (part === '') return err('empty server in the list');
  if (part.startsWith('[')) return err(`IPv6 server '${part}' is not supported by the ZooKeeper client; use a hostname`);
  const colon = part.indexOf(':');
  const host = colon < 0 ? part : part.slice(0, colon);
  const portText = colon < 0 ? undefined : part.slice(colon + 1);
  if (host === '' || !/^[A-Za-z0-9._-]+$/.test(host)) return err(`bad host '${host}'`);
  let port = 2181;
  if (portText !== undefined) {
    if (!/^\d{1,5}$/.test(portText)) return err(`bad port '${portText}' for '${host}'`);
    port = Number(portText);
    if (port < 1 || port > 65535) return err(`port ${port} for '${host}' is out of range (1-65535)`);
  }
  return ok({ host, port });
}

/** An absolute znode path usable as a group path: not `/`, no empty, `.` or `..` segments. */
export function validatePath(path: string): string | undefined {
  if (!path.startsWith('/')) return `path '${path}' must start with '/'`;
  if (path === '/') return "path may not be '/' (masters need a node of their own, as in /agora)";
  if (path.endsWith('/')) return `path '${path}' may not end with '/'`;
  for (const seg of path.slice(1).split('/')) {
    if (seg === '') return `path '${path}' has an empty segment`;
    if (seg === '.' || seg === '..') return `path '${path}' may not contain '.' or '..'`;
    if ([...seg].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f)) return `path '${path}' contains a control character`;
  }
  if (path === '/zookeeper' || path.startsWith('/zookeeper/')) return "paths under '/zookeeper' belong to ZooKeeper itself";
  return undefined;
}

/** The URL with its password replaced, for logs and errors. */
export function redact(url: string): string {
  return url.replace(/^(zk:\/\/[^:@/]*):[^@/]*@/, '$1:***@');
}

/** Formats a parsed URL back (password redacted unless asked). */
export function formatZkUrl(url: ZkUrl, opts: { showPassword?: boolean } = {}): string {
  const auth = url.auth ? `${opts.showPassword ? url.auth.credentials : url.auth.credentials.replace(/:.*$/, ':***')}@` : '';
  return `zk://${auth}${url.servers}${url.path}`;
}
