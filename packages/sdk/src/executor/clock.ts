/**
 * The driver's default clock. Unlike `@agora/runtime`'s `systemClock`, its timers keep the process
 * alive: a process-mode executor that is between two re-subscription attempts has nothing else
 * holding the event loop open, and must not exit there. (Importing only the `Clock` type also keeps
 * the runtime package, and its HTTP server dependencies, out of the executor's start-up.)
 */
import type { Clock } from '@agora/runtime';

export const processClock: Clock = {
  now: () => Date.now(),
  setTimer(ms, fn) {
    const h = setTimeout(fn, Math.max(0, ms));
    return { cancel: () => clearTimeout(h) };
  },
};
