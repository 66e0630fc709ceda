/**
 * `zk://[user:pass@]host:port[,host:port…]/path`: the leading master as ZooKeeper names it — the
 * lowest `json.info_*` node under the path, holding the master's MasterInfo as JSON (the layout
 * Mesos masters write, so this finds Mesos masters too). The driver subscribes to
 * `http://<address.ip or hostname>:<port>` and, through `onChange`, leaves a master the moment
 * another one leads (or none does) instead of waiting for its stream to go quiet.
 *
 * `detect()` waits for a leader while none is known, at most `waitMs` (default 10 s), then
 * answers why there is none, so the driver can report and retry.
 */
import { err, ok, type MasterInfo, type Result } from '@agora/protocol';
import { createZooKeeperDetector, parseZkUrl, type Detector } from '@agora/state';
import type { MasterDetector } from './detector.ts';

export interface ZooKeeperMasterDetectorOptions {
  /** Requested ZooKeeper session timeout. Default 10 s. */
  readonly sessionTimeoutMs?: number;
  /** How long `detect()` waits for a leader to appear. Default 10 s. */
  readonly waitMs?: number;
}

/** The base URL of the scheduler API of a master ZooKeeper names. */
export function masterBaseUrl(info: MasterInfo): string {
  const host = info.address?.ip ?? info.address?.hostname ?? info.hostname ?? [info.ip & 255, (info.ip >>> 8) & 255, (info.ip >>> 16) & 255, (info.ip >>> 24) & 255].join('.');
  return `http://${host}:${info.address?.port ?? info.port}`;
}

export function zooKeeperMasterDetector(address: string, opts: ZooKeeperMasterDetectorOptions = {}): Result<MasterDetector, string> {
  const url = parseZkUrl(address);
  if (!url.ok) return err(url.error);
  const detector = createZooKeeperDetector({
    servers: url.value.servers,
    path: url.value.path,
    ...(url.value.auth ? { auth: url.value.auth } : {}),
    ...(opts.sessionTimeoutMs !== undefined ? { sessionTimeoutMs: opts.sessionTimeoutMs } : {}),
  });
  return ok(wrap(detector, opts.waitMs ?? 10_000));
}

/** The SDK's view of a leader detector from @agora/state. */
export function wrap(detector: Detector, waitMs: number): MasterDetector {
  const none = 'no leading master detected in ZooKeeper';
  return {
    async detect() {
      let leader = detector.leader;
      if (!leader) {
        let timer: ReturnType<typeof setTimeout> | undefined;
        leader = await Promise.race([
          detector.detect(),
          new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), waitMs))),
        ]);
        clearTimeout(timer);
      }
      return leader ? ok(masterBaseUrl(leader)) : err(none);
    },
    onChange(listener) {
      return detector.onChange((leader) => listener(leader ? ok(masterBaseUrl(leader)) : err(none)));
    },
    close() {
      void detector.close();
    },
  };
}
