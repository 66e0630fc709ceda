/** The probe for a check target: a command in the task's context, an HTTP GET, a TCP connect. */
import type { CheckTarget } from '../definition.ts';
import type { Probe } from '../probe.ts';
import { commandProbe, type CommandContext } from './command.ts';
import { httpProbe } from './http.ts';
import { tcpProbe } from './tcp.ts';

export function probeFor(target: CheckTarget, command: CommandContext): Probe {
  switch (target.type) {
    case 'COMMAND':
      return commandProbe(target.command, command);
    case 'HTTP':
      return httpProbe(target.url);
    case 'TCP':
      return tcpProbe(target.host, target.port);
  }
}
