/**
 * The 25 fault scenarios of fault-scenarios.md §1.9 as deterministic tests on the in-process
 * cluster (support/), in one process so the whole set runs in a couple of seconds. Each group
 * lives in its own `*.scenarios.ts`; README.md maps scenario → test. One group or one scenario:
 *
 *   node --import tsx --test --test-name-pattern='^2[0-5]' e2e/faults/faults.test.ts
 */
import './master-failover.scenarios.ts';
import './scheduler.scenarios.ts';
import './agent-recovery.scenarios.ts';
import './status-updates.scenarios.ts';
import './partitions.scenarios.ts';
