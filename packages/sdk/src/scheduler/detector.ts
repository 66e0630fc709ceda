/**
 * Master detection: where is the leading master? The driver asks its detector before every
 * (re)subscription. `StaticMasterDetector` starts from one address and asks that master's
 * `/master/redirect` (a leader points to itself, a standby to the leader, 503 while none is
 * elected); the driver also follows 307s on its own requests. A detector that learns of leader
 * changes by itself (ZooKeeper: a watch on the lowest `json.info_*` node) also implements
 * `onChange`, and the driver then leaves a deposed master at once instead of waiting for its
 * stream to break. Which detector an address gets: `detectorFor` (detector-for.ts).
 */
import { err, ok, type Result } from '@agora/protocol';

export interface MasterDetector {
  /** Base URL (`http://host:port`) of the master believed to lead now, or why none is known. */
  detect(): Promise<Result<string, string>>;
  /**
   * Optional: calls `listener` whenever the detector's answer changes (a new leader's base URL,
   * or why there is none now). Returns the function that stops the calls. The driver drops a
   * subscription whose master is no longer the leader and subscribes again through `detect()`.
   */
  onChange?(listener: (leader: Result<string, string>) => void): () => void;
  /** Releases whatever the detector holds (sessions, watches). */
  close?(): void;
}

/**
 * `host:port`, `http(s)://host:port[/...]` or `master@host:port` → `http(s)://host:port`.
 * A bare host gets Mesos's port 5050. `zk://` needs a ZooKeeper detector (see `detectorFor`).
 */
export function normalizeMasterUrl(text: string): Result<string, string> {
  let t = text.trim();
  if (t === '') return err('the master address is empty');
  if (/^zk:\/\//i.test(t)) return err(`'${t}': zk:// addresses need a ZooKeeper detector, which is not available yet; give the leader as host:port`);
  if (/^file:\/\//i.test(t)) return err(`'${t}': file:// master addresses are not supported`);
  const at = /^[^/@]+@(.+)$/.exec(t);
  if (at) t = at[1]!;
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(t)) t = `http://${t}`;
  let url: URL;
  try {
    url = new URL(t);
  } catch {
    return err(`'${text}' is not a master address (expected host:port or http://host:port)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return err(`'${text}': unsupported scheme ${url.protocol}`);
  if (url.hostname === '') return err(`'${text}' has no host`);
  if (url.port === '') url.port = url.protocol === 'https:' ? '443' : '5050';
  return ok(url.origin);
}

/** Resolves a `Location` (Mesos sends it protocol-relative: `//host:port/path`) to a base URL. */
export function originOfLocation(location: string, requestUrl: string): Result<string, string> {
  try {
    return ok(new URL(location, requestUrl).origin);
  } catch {
    return err(`unusable redirect location '${location}'`);
  }
}

export interface StaticDetectorOptions {
  fetch?: typeof fetch;
  /** Ask `/master/redirect` for the leader (default true); false uses the address as is. */
  resolveLeader?: boolean;
  /** Timeout of the `/master/redirect` request (default 10 s). */
  timeoutMs?: number;
}

export class StaticMasterDetector implements MasterDetector {
  private readonly fetch: typeof fetch;
  private readonly resolve: boolean;
  private readonly timeoutMs: number;

  constructor(
    readonly base: string,
    opts: StaticDetectorOptions = {},
  ) {
    this.fetch = opts.fetch ?? globalThis.fetch;
    this.resolve = opts.resolveLeader ?? true;
    this.timeoutMs = opts.timeoutMs ?? 10_000;
  }

  /** From an address in any accepted spelling (see `normalizeMasterUrl`). */
  static from(address: string, opts: StaticDetectorOptions = {}): Result<StaticMasterDetector, string> {
    const url = normalizeMasterUrl(address);
    return url.ok ? ok(new StaticMasterDetector(url.value, opts)) : url;
  }

  async detect(): Promise<Result<string, string>> {
    if (!this.resolve) return ok(this.base);
    let res: Response;
    try {
      res = await this.fetch(`${this.base}/master/redirect`, { redirect: 'manual', signal: AbortSignal.timeout(this.timeoutMs) });
    } catch (e) {
      return err(`cannot reach the master at ${this.base}: ${describeFetchError(e)}`);
    }
    const body = await res.text().catch(() => '');
    if (res.status === 307 || res.status === 302 || res.status === 301) {
      const location = res.headers.get('location');
      if (location === null) return err(`${this.base}/master/redirect answered ${res.status} without a Location`);
      return originOfLocation(location, `${this.base}/master/redirect`);
    }
    if (res.status === 503) return err(`no leading master yet (${this.base}: 503 ${body.trim() || 'Service Unavailable'})`);
    // A master without the endpoint (or an answer we do not expect): use the address as given;
    // the subscription's own 307 handling still finds the leader.
    return ok(this.base);
  }
}

/** fetch's errors wrap the interesting part (ECONNREFUSED…) in `cause`. */
export function describeFetchError(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  if (e.name === 'AbortError' || e.name === 'TimeoutError') return e.message;
  const cause = (e as { cause?: unknown }).cause;
  if (cause instanceof Error) {
    const code = (cause as { code?: string }).code;
    return code && !cause.message.includes(code) ? `${code} (${cause.message})` : cause.message;
  }
  return e.message;
}
