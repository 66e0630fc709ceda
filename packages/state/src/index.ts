/**
 * @agora/state: durable state (StateStore: file, ZooKeeper, memory) and leader election/detection.
 * See README.md for the vocabulary, the guarantees and the key layout.
 */
export type {
  Entry, Expected, FencedStore, FenceToken, KeyValueStore, StateStore, StoreError, StoreErrorCode, Version,
} from './store.ts';
export { DEFAULT_MAX_VALUE_BYTES, storeError } from './store.ts';
export { keySegment, keySegments, MAX_KEY_LENGTH, unescapeKeySegment } from './keys.ts';
export { canonicalJson, decodeJsonValue, encodeJsonValue, getJson, setJson, type JsonEntry } from './json.ts';
export { openFileStore, type FileStoreOptions } from './file/file-store.ts';
export { createMemoryStore, MemoryState, type MemoryStoreOptions } from './memory/memory-store.ts';
export { openZooKeeperStore, type ZooKeeperStoreOptions } from './zookeeper/zookeeper-store.ts';
export { formatZkUrl, parseZkUrl, redact as redactZkUrl, type ZkAuth, type ZkHost, type ZkUrl } from './zookeeper/url.ts';
export type { Contender, ContenderState, Detector, Leadership } from './election/election.ts';
export {
  candidates, decodeMasterInfo, encodeMasterInfo, MASTER_INFO_LABEL, MEMBER_PREFIX, memberSequence, sameMaster,
  standaloneMasterInfo,
} from './election/master-info.ts';
export { createZooKeeperContender, type ZooKeeperContenderOptions } from './election/zookeeper-contender.ts';
export { createZooKeeperDetector, type ZooKeeperDetectorOptions } from './election/zookeeper-detector.ts';
export { createStandaloneContender, createStandaloneDetector } from './election/standalone.ts';
export { createMasterDetector, parseMasterAddress, type MasterAddress } from './election/detector-for.ts';
export { openStateStore, type OpenStateStoreOptions } from './open-store.ts';
