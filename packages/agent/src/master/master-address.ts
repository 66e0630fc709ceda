/**
 * `--master` as Mesos operators write it: `host:port`, `master@host:port`, `http://host:port`
 * (or `ws://`), or `zk://[user:pass@]host:port[,host:port]/path` to follow whichever master leads
 * in ZooKeeper (see leader-connector.ts).
 */
import { err, ok, internal, type Result } from '@agora/protocol';
import { parseZkUrl } from '@agora/state';

export interface MasterAddress {
  /** `zk://…`: the leader is detected in ZooKeeper; `host`, `port` and `channelUrl` are then unused. */
  zk?: string;
  host: string;
  port: number;
  /** The agent channel's WebSocket URL (ADR 0002). */
  channelUrl: string;
}

export function parseMasterAddress(text: string): Result<MasterAddress, string> {
  let rest = text.trim();
  if (rest === '') return err('is empty');
  if (/^zk:\/\//i.test(rest)) {
    const url = parseZkUrl(rest);
    return url.ok ? ok({ zk: rest, host: '', port: 0, channelUrl: '' }) : err(url.error);
  }
  if (/^file:\/\//i.test(rest)) return err('file:// master detection is not supported; give the master as host:port');
  const scheme = /^(https?|wss?):\/\//i.exec(rest);
  let secure = false;
  if (scheme) {
    secure = /^(https|wss)$/i.test(scheme[1]!);
    rest = rest.slice(scheme[0].length);
  }
  if (rest.startsWith('master@')) rest = rest.slice('master@'.length);
  rest = rest.replace(/\/+$/, '');
  if (rest.includes('/')) return err(`'${text}' has a path; give the master as host:port`);
  const m = /^(\[[0-9a-fA-F:.]+\]|[^:[\]]+)(?::(\d{1,5}))?$/.exec(rest);
  if (!m) return err(`'${text}' is not host:port`);
  const host = m[1]!;
  const port = m[2] === undefined ? 5050 : Number(m[2]);
  if (port < 1 || port > 65535) return err(`port ${port} is out of range`);
  return ok({ host: host.replace(/^\[|\]$/g, ''), port, channelUrl: `${secure ? 'wss' : 'ws'}://${host}:${port}${internal.AGENT_CHANNEL_PATH}` });
}
