// Public entry of @agora/master: the `agora master` daemon.
import { runDaemon } from '@agora/runtime';
import { MASTER_FLAGS } from './flags.ts';
import { startMaster } from './start.ts';

export { MASTER_FLAGS, type MasterOptions } from './flags.ts';
export { startMaster, type MasterHandle } from './start.ts';

export const main = (argv: readonly string[]): Promise<number> =>
  runDaemon({ name: 'agora master', usage: 'usage: agora master [flags]\n\nRuns an Agora (Mesos-compatible) master.', flags: MASTER_FLAGS, start: startMaster }, argv);
