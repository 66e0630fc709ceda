#!/usr/bin/env node
// The `agora` command. Sources are TypeScript run through tsx (no build step); see apps/cli/README.md.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/main.ts');
process.exitCode = await main(process.argv.slice(2));
