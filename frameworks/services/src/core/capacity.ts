/**
 * How many instances of an app to kill and to launch right now, from counts alone. This is the
 * whole of scaling, replacing failed instances and rolling upgrades (Marathon §1.5):
 *
 * - `minHealthy = ceil(N × minimumHealthCapacity)`: healthy instances (old and new) never go
 *   below this because of a kill we choose.
 * - `maxTotal = N + floor(N × maximumOverCapacity)`: live instances (old, new, and those being
 *   killed until their terminal update) never exceed this because of a launch we choose.
 * - When `minHealthy ≥ maxTotal` (e.g. 1 / 0) no step could keep both bounds; the floor is lowered
 *   to `maxTotal − 1` so one slot frees at a time (what Marathon does for the same case).
 *
 * Old instances that are not healthy go first (they hold no capacity); healthy old ones go only
 * while the healthy count stays at or above `minHealthy`. Canaries: until promoted, at most
 * `canaryInstances` new instances run and old ones are kept down to `N − canaryInstances`.
 */
export interface CapacityInput {
  /** Target instance count N. */
  readonly target: number;
  readonly minimumHealthCapacity: number;
  readonly maximumOverCapacity: number;
  /** Live instances of the current config, not being killed. */
  readonly current: number;
  readonly currentHealthy: number;
  /** Live instances of older configs, not being killed. */
  readonly old: number;
  readonly oldHealthy: number;
  /** Instances asked to die that have not reported a terminal state yet. */
  readonly killing: number;
  /** New instances allowed before promotion (undefined = no canary phase). */
  readonly canary?: number;
}

export interface CapacityDecision {
  /** Old instances to kill (unhealthy ones first). */
  readonly killOld: number;
  readonly killOldUnhealthy: number;
  /** Current instances to kill (scale down). */
  readonly killCurrent: number;
  readonly launch: number;
}

export function bounds(target: number, mhc: number, moc: number): { minHealthy: number; maxTotal: number } {
  const maxTotal = target + Math.floor(target * moc + 1e-9);
  let minHealthy = Math.ceil(target * mhc - 1e-9);
  if (target > 0 && minHealthy >= maxTotal) minHealthy = maxTotal - 1;
  return { minHealthy, maxTotal };
}

export function decideCapacity(c: CapacityInput): CapacityDecision {
  const n = c.target;
  const wantNew = c.canary === undefined ? n : Math.min(n, c.canary);
  const { minHealthy, maxTotal } = bounds(n, c.minimumHealthCapacity, c.maximumOverCapacity);
  if (c.old === 0) {
    // Steady state: plain scaling (while kills are in flight, still within maxTotal).
    if (c.current > n) return { killOld: 0, killOldUnhealthy: 0, killCurrent: c.current - n, launch: 0 };
    const room = c.killing === 0 ? n - c.current : Math.min(n - c.current, Math.max(0, maxTotal - c.current - c.killing));
    return { killOld: 0, killOldUnhealthy: 0, killCurrent: 0, launch: room };
  }
  const oldFloor = c.canary === undefined ? 0 : Math.max(0, n - wantNew);
  const oldUnhealthy = c.old - c.oldHealthy;
  const killOldUnhealthy = Math.max(0, Math.min(oldUnhealthy, c.old - oldFloor));
  const healthy = c.oldHealthy + c.currentHealthy;
  const spare = Math.max(0, healthy - minHealthy);
  const killOldHealthy = Math.max(0, Math.min(c.oldHealthy, spare, c.old - oldFloor - killOldUnhealthy));
  const killCurrent = Math.max(0, c.current - wantNew);
  const live = c.current + c.old + c.killing;
  const launch = Math.max(0, Math.min(wantNew - c.current, maxTotal - live));
  return { killOld: killOldUnhealthy + killOldHealthy, killOldUnhealthy, killCurrent, launch };
}
