/**
 * Allocator options (Mesos master flags that shape allocation) with their defaults, declared once.
 */
import { err, ok, type DomainInfo, type Result } from '@agora/protocol';
import { ResourceQuantities } from '@agora/resources';
import type { SorterKind } from './sorter/sorter.ts';

export interface AllocatorOptions {
  /**
   * `--min_allocatable_resources`: an offer must contain at least one of these alternatives.
   * Default `cpus:0.01|mem:32`. An empty list makes any non-empty offer allocatable.
   */
  readonly minAllocatableResources?: readonly ResourceQuantities[];
  /** `--filter_gpu_resources` (default true): no offers from GPU agents to frameworks without GPU_RESOURCES. */
  readonly filterGpuResources?: boolean;
  /** `--fair_sharing_excluded_resource_names`: ignored when computing DRF shares. */
  readonly fairnessExcludeResourceNames?: readonly string[];
  /** `--role_sorter` (default drf). */
  readonly roleSorter?: SorterKind;
  /** `--framework_sorter` (default drf). */
  readonly frameworkSorter?: SorterKind;
  /** `--allocation_interval` in ms (default 1000): the shortest an offer filter lasts (MESOS-4302). */
  readonly allocationIntervalMs?: number;
  /** The master's domain: agents in another region are offered only to REGION_AWARE frameworks. */
  readonly domain?: DomainInfo;
}

export interface ResolvedOptions {
  readonly minAllocatable: readonly ResourceQuantities[];
  readonly filterGpuResources: boolean;
  readonly excluded: ReadonlySet<string>;
  readonly roleSorter: SorterKind;
  readonly frameworkSorter: SorterKind;
  readonly allocationIntervalMs: number;
  readonly region: string | undefined;
}

/** Parses `cpus:0.01|mem:32` (alternatives separated by `|`). */
export function parseMinAllocatableResources(text: string): Result<ResourceQuantities[], string> {
  const out: ResourceQuantities[] = [];
  for (const alt of text.split('|')) {
    if (alt.trim() === '') continue;
    const q = ResourceQuantities.parse(alt);
    if (!q.ok) return err(`--min_allocatable_resources: ${q.error}`);
    if (q.value.isEmpty()) return err('--min_allocatable_resources: an alternative is empty');
    out.push(q.value);
  }
  return ok(out);
}

export const DEFAULT_MIN_ALLOCATABLE = 'cpus:0.01|mem:32';

export function resolveOptions(o: AllocatorOptions): ResolvedOptions {
  const min = o.minAllocatableResources ?? (parseMinAllocatableResources(DEFAULT_MIN_ALLOCATABLE) as { value: ResourceQuantities[] }).value;
  return {
    minAllocatable: min,
    filterGpuResources: o.filterGpuResources ?? true,
    excluded: new Set(o.fairnessExcludeResourceNames ?? []),
    roleSorter: o.roleSorter ?? 'drf',
    frameworkSorter: o.frameworkSorter ?? 'drf',
    allocationIntervalMs: o.allocationIntervalMs ?? 1000,
    region: o.domain?.fault_domain?.region.name,
  };
}

/**
 * Seconds a decline filter lasts, as Mesos computes it: a negative or invalid value becomes the
 * default 5 s, more than 365 days is capped, 0 means no filter.
 */
export function refuseMs(refuseSeconds: number | undefined): number {
  const DEFAULT = 5;
  let s = refuseSeconds ?? DEFAULT;
  if (!Number.isFinite(s) && s !== Infinity) s = DEFAULT;
  if (s < 0) s = DEFAULT;
  if (s > 365 * 86400) s = 365 * 86400;
  return s * 1000;
}
