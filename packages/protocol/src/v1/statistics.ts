/**
 * Resource usage (mesos.proto): ResourceStatistics as the agent's /monitor/statistics and
 * GET_CONTAINERS report it, with its perf, blkio, traffic-control and SNMP parts.
 */
import { double, enumeration, message, optional, optionalFields, repeated, required, string, uint32, uint64, int64, type Infer } from '../codec/schema.ts';
import { Labels } from './common.ts';
import { ExecutorInfo } from './executor-info.ts';
import { ContainerID, TaskID } from './ids.ts';
import { DiskPersistence, DiskSource, Resource } from './resources.ts';

export const TrafficControlStatistics = message('TrafficControlStatistics', {
  id: required(string),
  ...optionalFields(['backlog', 'bytes', 'drops', 'overlimits', 'packets', 'qlen', 'ratebps', 'ratepps', 'requeues'], uint64),
});
export type TrafficControlStatistics = Infer<typeof TrafficControlStatistics>;

// The SNMP counters keep the kernel's CamelCase names (/proc/net/snmp), as the proto does.
export const IpStatistics = message('IpStatistics', optionalFields([
  'Forwarding', 'DefaultTTL', 'InReceives', 'InHdrErrors', 'InAddrErrors', 'ForwDatagrams', 'InUnknownProtos', 'InDiscards',
  'InDelivers', 'OutRequests', 'OutDiscards', 'OutNoRoutes', 'ReasmTimeout', 'ReasmReqds', 'ReasmOKs', 'ReasmFails', 'FragOKs',
  'FragFails', 'FragCreates',
], int64));
export const IcmpStatistics = message('IcmpStatistics', optionalFields([
  'InMsgs', 'InErrors', 'InCsumErrors', 'InDestUnreachs', 'InTimeExcds', 'InParmProbs', 'InSrcQuenchs', 'InRedirects', 'InEchos',
  'InEchoReps', 'InTimestamps', 'InTimestampReps', 'InAddrMasks', 'InAddrMaskReps', 'OutMsgs', 'OutErrors', 'OutDestUnreachs',
  'OutTimeExcds', 'OutParmProbs', 'OutSrcQuenchs', 'OutRedirects', 'OutEchos', 'OutEchoReps', 'OutTimestamps', 'OutTimestampReps',
  'OutAddrMasks', 'OutAddrMaskReps',
], int64));
export const TcpStatistics = message('TcpStatistics', optionalFields([
  'RtoAlgorithm', 'RtoMin', 'RtoMax', 'MaxConn', 'ActiveOpens', 'PassiveOpens', 'AttemptFails', 'EstabResets', 'CurrEstab', 'InSegs',
  'OutSegs', 'RetransSegs', 'InErrs', 'OutRsts', 'InCsumErrors',
], int64));
export const UdpStatistics = message('UdpStatistics', optionalFields([
  'InDatagrams', 'NoPorts', 'InErrors', 'OutDatagrams', 'RcvbufErrors', 'SndbufErrors', 'InCsumErrors', 'IgnoredMulti',
], int64));
export const SNMPStatistics = message('SNMPStatistics', {
  ip_stats: optional(IpStatistics),
  icmp_stats: optional(IcmpStatistics),
  tcp_stats: optional(TcpStatistics),
  udp_stats: optional(UdpStatistics),
});
export type SNMPStatistics = Infer<typeof SNMPStatistics>;

export const DiskStatistics = message('DiskStatistics', {
  source: optional(DiskSource),
  persistence: optional(DiskPersistence),
  limit_bytes: optional(uint64),
  used_bytes: optional(uint64),
});
export type DiskStatistics = Infer<typeof DiskStatistics>;

export const DeviceNumber = message('Device.Number', { major_number: required(uint64), minor_number: required(uint64) });
export const Device = message('Device', { path: optional(string), number: optional(DeviceNumber) });
export type Device = Infer<typeof Device>;

export const BlkioOperation = enumeration('CgroupInfo.Blkio.Operation', { UNKNOWN: 0, TOTAL: 1, READ: 2, WRITE: 3, SYNC: 4, ASYNC: 5, DISCARD: 6 });
export type BlkioOperation = Infer<typeof BlkioOperation>;
const BlkioValue = message('CgroupInfo.Blkio.Value', { op: optional(BlkioOperation), value: optional(uint64) });

/** Stats of one block device (`device` unset means the total). */
export const BlkioCFQStatistics = message('CgroupInfo.Blkio.CFQ.Statistics', {
  device: optional(DeviceNumber),
  sectors: optional(uint64),
  time: optional(uint64),
  io_serviced: repeated(BlkioValue),
  io_service_bytes: repeated(BlkioValue),
  io_service_time: repeated(BlkioValue),
  io_wait_time: repeated(BlkioValue),
  io_merged: repeated(BlkioValue),
  io_queued: repeated(BlkioValue),
});
export const BlkioThrottlingStatistics = message('CgroupInfo.Blkio.Throttling.Statistics', {
  device: optional(DeviceNumber),
  io_serviced: repeated(BlkioValue),
  io_service_bytes: repeated(BlkioValue),
});
export const BlkioStatistics = message('CgroupInfo.Blkio.Statistics', {
  cfq: repeated(BlkioCFQStatistics),
  cfq_recursive: repeated(BlkioCFQStatistics),
  throttling: repeated(BlkioThrottlingStatistics),
});
export type BlkioStatistics = Infer<typeof BlkioStatistics>;

/** One `perf stat` sample; `timestamp` and `duration` are seconds. Event names are lower-cased, `-` → `_`. */
export const PerfStatistics = message('PerfStatistics', {
  timestamp: required(double()),
  duration: required(double()),
  ...optionalFields([
    'cycles', 'stalled_cycles_frontend', 'stalled_cycles_backend', 'instructions', 'cache_references', 'cache_misses', 'branches',
    'branch_misses', 'bus_cycles', 'ref_cycles', 'page_faults', 'minor_faults', 'major_faults', 'context_switches', 'cpu_migrations',
    'alignment_faults', 'emulation_faults', 'l1_dcache_loads', 'l1_dcache_load_misses', 'l1_dcache_stores', 'l1_dcache_store_misses',
    'l1_dcache_prefetches', 'l1_dcache_prefetch_misses', 'l1_icache_loads', 'l1_icache_load_misses', 'l1_icache_prefetches',
    'l1_icache_prefetch_misses', 'llc_loads', 'llc_load_misses', 'llc_stores', 'llc_store_misses', 'llc_prefetches',
    'llc_prefetch_misses', 'dtlb_loads', 'dtlb_load_misses', 'dtlb_stores', 'dtlb_store_misses', 'dtlb_prefetches',
    'dtlb_prefetch_misses', 'itlb_loads', 'itlb_load_misses', 'branch_loads', 'branch_load_misses', 'node_loads',
    'node_load_misses', 'node_stores', 'node_store_misses', 'node_prefetches', 'node_prefetch_misses',
  ], uint64),
  ...optionalFields(['cpu_clock', 'task_clock'], double()),
});
export type PerfStatistics = Infer<typeof PerfStatistics>;

/**
 * A usage snapshot of one container. `timestamp` is seconds since the epoch; CPU times are
 * seconds; memory and disk are bytes. `mem_rss_bytes` is anonymous memory only (since 0.23);
 * `mem_total_bytes` is everything in RAM.
 */
export const ResourceStatistics = message('ResourceStatistics', {
  timestamp: required(double()),
  processes: optional(uint32),
  threads: optional(uint32),
  cpus_user_time_secs: optional(double()),
  cpus_system_time_secs: optional(double()),
  cpus_limit: optional(double()),
  cpus_soft_limit: optional(double()),
  cpus_nr_periods: optional(uint32),
  cpus_nr_throttled: optional(uint32),
  cpus_throttled_time_secs: optional(double()),
  ...optionalFields([
    'mem_total_bytes', 'mem_total_memsw_bytes', 'mem_limit_bytes', 'mem_soft_limit_bytes', 'mem_file_bytes', 'mem_anon_bytes',
    'mem_cache_bytes', 'mem_rss_bytes', 'mem_mapped_file_bytes', 'mem_swap_bytes', 'mem_unevictable_bytes',
    'mem_low_pressure_counter', 'mem_medium_pressure_counter', 'mem_critical_pressure_counter',
    'disk_limit_bytes', 'disk_used_bytes',
    'net_rx_packets', 'net_rx_bytes', 'net_rx_errors', 'net_rx_dropped', 'net_tx_packets', 'net_tx_bytes', 'net_tx_errors', 'net_tx_dropped',
  ], uint64),
  disk_statistics: repeated(DiskStatistics),
  blkio_statistics: optional(BlkioStatistics),
  perf: optional(PerfStatistics),
  ...optionalFields([
    'net_tcp_rtt_microsecs_p50', 'net_tcp_rtt_microsecs_p90', 'net_tcp_rtt_microsecs_p95', 'net_tcp_rtt_microsecs_p99',
    'net_tcp_active_connections', 'net_tcp_time_wait_connections',
  ], double()),
  net_traffic_control_statistics: repeated(TrafficControlStatistics),
  net_snmp_statistics: optional(SNMPStatistics),
});
export type ResourceStatistics = Infer<typeof ResourceStatistics>;

export const ResourceUsageTask = message('ResourceUsage.Executor.Task', {
  name: required(string),
  id: required(TaskID),
  resources: repeated(Resource),
  labels: optional(Labels),
});

/** One executor's allocation and usage; `statistics` is absent when the containerizer cannot tell. */
export const ResourceUsageExecutor = message('ResourceUsage.Executor', {
  executor_info: required(ExecutorInfo),
  allocated: repeated(Resource),
  statistics: optional(ResourceStatistics),
  container_id: required(ContainerID),
  tasks: repeated(ResourceUsageTask),
});
export type ResourceUsageExecutor = Infer<typeof ResourceUsageExecutor>;

export const ResourceUsage = message('ResourceUsage', { executors: repeated(ResourceUsageExecutor), total: repeated(Resource) });
export type ResourceUsage = Infer<typeof ResourceUsage>;
