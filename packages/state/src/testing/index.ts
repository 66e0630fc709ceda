/**
 * @agora/state/testing: a real ZooKeeper ensemble launcher, a partition proxy, and the StateStore
 * conformance suite, for this package's tests and for the HA tests of its users.
 */
export { fourLetterWord, freePorts, ZOOKEEPER_JAR, ZooKeeperEnsemble, type ZooKeeperEnsembleOptions, type ZooKeeperServer } from './zookeeper.ts';
export { PartitionProxy, type ProxyTarget } from './partition-proxy.ts';
export { storeConformance, type StoreFactory, type StoreFixture } from '../store.conformance.ts';
