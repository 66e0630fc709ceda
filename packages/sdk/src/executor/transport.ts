/**
 * HTTP to the agent's `/api/v1/executor`: JSON bodies, a streaming response for SUBSCRIBE, 202 for
 * every other call. `fetch` is injectable (tests, other transports); Node's built-in fetch keeps
 * connections alive, so the many small POSTs of a busy executor host reuse sockets.
 */
import { encodeJson, err, ok, type Result, type executor } from '@agora/protocol';

export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

export interface SendFailure {
  /** The HTTP status, when the agent answered at all. */
  readonly status?: number;
  readonly message: string;
}

const describe = (e: unknown): string => {
  if (e instanceof Error) {
    const cause = (e as Error & { cause?: unknown }).cause;
    return cause instanceof Error ? `${e.message}: ${cause.message}` : e.message;
  }
  return String(e);
};

async function bodyText(res: Response): Promise<string> {
  try {
    return (await res.text()).slice(0, 1024);
  } catch {
    return '';
  }
}

export class ExecutorTransport {
  private readonly headers: Record<string, string>;

  constructor(
    private readonly url: string,
    private readonly fetchFn: FetchLike,
    token: string | undefined,
  ) {
    this.headers = { 'Content-Type': 'application/json', Accept: 'application/json' };
    if (token !== undefined) this.headers.Authorization = `Bearer ${token}`;
  }

  /** A non-SUBSCRIBE call; ok only on 202 Accepted. The response body is always drained (keep-alive). */
  async post(call: executor.Call): Promise<Result<void, SendFailure>> {
    let res: Response;
    try {
      res = await this.fetchFn(this.url, { method: 'POST', headers: this.headers, body: encodeJson(call) });
    } catch (e) {
      return err({ message: describe(e) });
    }
    if (res.status === 202) {
      await bodyText(res);
      return ok(undefined);
    }
    return err({ status: res.status, message: await bodyText(res) });
  }

  /** SUBSCRIBE; ok with the event stream on 200. Aborting `signal` closes the stream. */
  async subscribe(call: executor.Call, signal: AbortSignal): Promise<Result<ReadableStream<Uint8Array>, SendFailure>> {
    let res: Response;
    try {
      res = await this.fetchFn(this.url, { method: 'POST', headers: this.headers, body: encodeJson(call), signal });
    } catch (e) {
      return err({ message: describe(e) });
    }
    if (res.status === 200 && res.body !== null) return ok(res.body);
    return err({ status: res.status, message: await bodyText(res) });
  }
}
