/**
 * From a master address to its detector, by scheme: the one place a new way of finding the leader
 * plugs in. `SchedulerDriver` calls it for a `master` given as a string; frameworks that take an
 * address on their command line can call it first to report a bad address as a usage error.
 *
 *   host:port · http(s)://host:port · master@host:port  →  StaticMasterDetector (asks /master/redirect)
 *   zk://host:port[,host:port…]/path                   →  the `zk` entry of DETECTOR_SCHEMES
 *
 * A scheme's factory gets the whole address and returns a detector or why the address is
 * unusable (an error value, never an exception). Adding a scheme is one entry in the table.
 */
import { err, ok, type Result } from '@agora/protocol';
import { normalizeMasterUrl, StaticMasterDetector, type MasterDetector } from './detector.ts';
import { zooKeeperMasterDetector } from './zk-detector.ts';

export interface DetectorFactoryOptions {
  /** The HTTP client detectors that ask masters use (the driver's own `fetch`). */
  readonly fetch?: typeof fetch;
}

export type DetectorFactory = (address: string, opts: DetectorFactoryOptions) => Result<MasterDetector, string>;

/**
 * Detectors for address schemes other than http(s) and bare `host:port`, keyed by the scheme in
 * lower case. ZooKeeper detection (`zk`) is registered here by its own module.
 */
export const DETECTOR_SCHEMES: Readonly<Record<string, DetectorFactory>> = {
  zk: (address) => zooKeeperMasterDetector(address),
};

/** The scheme of `zk://…`-style addresses (lower case), or undefined for host:port and master@host:port. */
function schemeOf(address: string): string | undefined {
  return /^([a-z][a-z0-9+.-]*):\/\//i.exec(address.trim())?.[1]?.toLowerCase();
}

/** The detector for `address`; `schemes` replaces the table (tests). */
export function detectorFor(
  address: string,
  opts: DetectorFactoryOptions = {},
  schemes: Readonly<Record<string, DetectorFactory>> = DETECTOR_SCHEMES,
): Result<MasterDetector, string> {
  const scheme = schemeOf(address);
  const factory = scheme === undefined || !Object.hasOwn(schemes, scheme) ? undefined : schemes[scheme];
  if (factory !== undefined) return factory(address.trim(), opts);
  const url = normalizeMasterUrl(address);
  if (!url.ok) return err(url.error);
  return ok(new StaticMasterDetector(url.value, { fetch: opts.fetch }));
}
