// Public entry of @agora/cli: `main(argv, io)` for the bin and for tests that drive the CLI
// in-process (e2e), plus the pieces other tools may reuse.
export { main, buildProgram } from './main.ts';
export { processIO, sleep, type CliIO, type Output } from './io.ts';
export { splitLocalArgs, type LocalOptions, type LocalPlan } from './local/flags.ts';
export { LOCAL_EXTENSIONS, type LocalExtension, type ExtraComponent, type LocalContext } from './local/components.ts';
export { parseMasterState, agentUrl, type MasterState } from './master-state.ts';
export { exitStatusOf } from './exit-status.ts';
