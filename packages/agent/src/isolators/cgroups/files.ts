/** Small readers for cgroup control files: flat-keyed (`key value` lines) and single values. */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { err, ok, type Result } from '@agora/protocol';

/** `key value` lines → numbers (unparsable values are left out). */
export function parseKeyed(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const [k, v] = line.trim().split(/\s+/);
    if (k !== undefined && v !== undefined && v !== '' && Number.isFinite(Number(v))) out.set(k, Number(v));
  }
  return out;
}

export async function readKeyed(dir: string, file: string): Promise<Map<string, number>> {
  return parseKeyed(await readFile(join(dir, file), 'utf8').catch(() => ''));
}

/** A single number, or undefined ("max" and absent files included). */
export async function readNumber(dir: string, file: string): Promise<number | undefined> {
  const t = (await readFile(join(dir, file), 'utf8').catch(() => '')).trim();
  return t === '' || t === 'max' ? undefined : Number(t);
}

export async function write(dir: string, file: string, value: string | number): Promise<Result<void, string>> {
  try {
    await writeFile(join(dir, file), String(value));
    return ok(undefined);
  } catch (e) {
    return err(`cannot write '${value}' to ${join(dir, file)}: ${e instanceof Error ? e.message : String(e)}`);
  }
}
