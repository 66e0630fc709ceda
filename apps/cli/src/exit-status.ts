/**
 * The exit status `agora execute` reports for a task's final update. The command executor
 * describes how the command ended in the update's message ("Command exited with status 3",
 * "Command terminated with signal Killed"), the way mesos-execute's users read it.
 */
import { constants } from 'node:os';
import type { TaskStatus } from '@agora/protocol';

const SIGNAL_NAMES: Record<string, number> = {
  hangup: 1, interrupt: 2, quit: 3, aborted: 6, killed: 9, 'segmentation fault': 11, terminated: 15,
};

function signalNumber(text: string): number | undefined {
  const t = text.trim().toLowerCase();
  if (/^\d+$/.test(t)) return Number(t);
  const named = (constants.signals as Record<string, number>)[t.toUpperCase().startsWith('SIG') ? t.toUpperCase() : `SIG${t.toUpperCase()}`];
  return named ?? SIGNAL_NAMES[t];
}

/** 0 for TASK_FINISHED; the command's own status or 128+signal when the message says; else 1. */
export function exitStatusOf(status: Pick<TaskStatus, 'state' | 'message'>): number {
  if (status.state === 'TASK_FINISHED') return 0;
  const msg = status.message ?? '';
  const exited = /exit(?:ed)? (?:with )?(?:status|code) (\d+)/i.exec(msg);
  if (exited && Number(exited[1]) > 0 && Number(exited[1]) < 256) return Number(exited[1]);
  const signalled = /(?:terminated|killed) (?:with|by) signal:? ([A-Za-z ]+?|\d+)(?:\s*\(|$|\.|,)/i.exec(msg);
  if (signalled) {
    const n = signalNumber(signalled[1]!);
    if (n !== undefined && n > 0 && n < 128) return 128 + n;
  }
  return 1;
}
