/**
 * mpirun's "remote shell" (`--mca plm_rsh_agent`): called as `rsh.ts <slot name> <orted command…>`
 * the way ssh would be, it sends the command to the gang member that owns the slot (GANG_SLOTS:
 * `slot-1=host:port,…`), which runs it inside its own task, and exits with its exit status.
 */
import { connect } from 'node:net';

const [slot = '', ...words] = process.argv.slice(2);
const address = (process.env.GANG_SLOTS ?? '').split(',').find((s) => s.startsWith(`${slot}=`))?.slice(slot.length + 1);
if (address === undefined) {
  console.error(`rsh.ts: no gang member owns slot '${slot}'`);
  process.exit(255);
}
const colon = address.lastIndexOf(':');
const deadline = Date.now() + 30_000; // members start together; the slot may not listen yet

function attempt(): void {
  let answer = '';
  let connected = false;
  const socket = connect(Number(address!.slice(colon + 1)), address!.slice(0, colon), () => {
    connected = true;
    socket.write(`${JSON.stringify({ token: process.env.GANG_TOKEN, command: words.join(' ') })}\n`);
  });
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => (answer += chunk));
  socket.on('error', () => undefined);
  socket.on('close', () => {
    if (!connected && Date.now() < deadline) return void setTimeout(attempt, 200);
    const status = Number(answer.trim());
    process.exit(connected && Number.isInteger(status) ? status : 255);
  });
}
attempt();
