/**
 * Opening what the registry and the election run on, from the compiled flags: the state store
 * (ZooKeeper under `<zk path>/state`, or a file store in `<work-dir>/registry`), and with `--zk`
 * the contender (this master's `json.info_<seq>` candidacy) and the detector (who leads).
 */
import { err, ok, type MasterInfo, type Result } from '@agora/protocol';
import type { Logger } from '@agora/runtime';
import {
  createZooKeeperContender, createZooKeeperDetector, openFileStore, openZooKeeperStore, parseZkUrl,
  type Contender, type Detector, type StateStore,
} from '@agora/state';
import { join } from 'node:path';
import type { HaConfig } from '../config.ts';

export interface HaBackends {
  /** Undefined with `--registry=in_memory`. */
  readonly store: StateStore | undefined;
  /** Set with `--zk`. */
  readonly election: { contender: Contender; detector: Detector } | undefined;
}

export async function openBackends(ha: HaConfig, info: MasterInfo, log: Logger): Promise<Result<HaBackends, string>> {
  let store: StateStore | undefined;
  let zk: ReturnType<typeof parseZkUrl> | undefined;
  if (ha.zk !== undefined) {
    zk = parseZkUrl(ha.zk);
    if (!zk.ok) return err(`--zk: ${zk.error}`);
  }
  if (ha.registry.kind === 'zookeeper' && zk?.ok) {
    const opened = await openZooKeeperStore({
      servers: zk.value.servers,
      root: `${zk.value.path}/state`,
      ...(zk.value.auth ? { auth: zk.value.auth } : {}),
      sessionTimeoutMs: ha.zkSessionTimeoutMs,
      log: log.child({ component: 'registry' }),
    });
    if (!opened.ok) return err(`--zk: cannot open the registry in ZooKeeper: ${opened.error.code}: ${opened.error.message}`);
    store = opened.value;
  } else if (ha.registry.kind === 'file') {
    const opened = await openFileStore({ dir: join(ha.registry.dir, 'registry') });
    if (!opened.ok) return err(`--work-dir: cannot open the registry in ${ha.registry.dir}: ${opened.error.code}: ${opened.error.message}`);
    store = opened.value;
  }
  if (!zk?.ok) return ok({ store, election: undefined });
  const common = {
    servers: zk.value.servers,
    path: zk.value.path,
    ...(zk.value.auth ? { auth: zk.value.auth } : {}),
    sessionTimeoutMs: ha.zkSessionTimeoutMs,
  };
  const contender = createZooKeeperContender({ ...common, info, ...(store ? { store } : {}), log: log.child({ component: 'contender' }) });
  const detector = createZooKeeperDetector({ ...common, log: log.child({ component: 'detector' }) });
  return ok({ store, election: { contender, detector } });
}
