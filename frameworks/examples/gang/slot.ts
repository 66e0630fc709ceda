/**
 * A gang member's MPI slot (`slot.ts PORT`): waits on PORT (from the member's offer) for the one
 * command mpirun sends through rsh.ts — the orted for this slot — runs it inside this task, answers
 * its exit status and exits with it. A connection without the gang's GANG_TOKEN is refused.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';

let child: ChildProcess | undefined;
const server = createServer((socket) => {
  let buffered = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    buffered += chunk;
    const newline = buffered.indexOf('\n');
    if (newline < 0 || child) return;
    const request = JSON.parse(buffered.slice(0, newline)) as { token?: string; command?: string };
    if (request.token !== process.env.GANG_TOKEN || typeof request.command !== 'string') return void socket.destroy();
    server.close(); // one command per slot
    console.log(`slot: running ${request.command}`);
    child = spawn('/bin/sh', ['-c', request.command], { stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('exit', (code, signal) => {
      process.exitCode = code ?? 128;
      socket.end(`${code ?? `signal ${signal}`}\n`);
    });
  });
  socket.on('error', () => undefined);
  socket.on('close', () => child?.kill()); // mpirun went away: so does the orted
});
// Killed with the gang: take the orted (and its ranks) along.
process.on('SIGTERM', () => {
  child?.kill('SIGKILL');
  process.exit(143);
});
server.listen(Number(process.argv[2]), () => console.log(`slot: listening on ${process.argv[2]}`));
