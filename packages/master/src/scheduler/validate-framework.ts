/**
 * FrameworkInfo validation for SUBSCRIBE and UPDATE_FRAMEWORK (Mesos master/validation.cpp,
 * `framework::validate`). Failures are framework-level: SUBSCRIBE answers them with an ERROR
 * event on a 200 stream, UPDATE_FRAMEWORK with 400 — never by crashing or half-applying.
 */
import { frameworkRoles, hasCapability, idProblem, type FrameworkInfo } from '@agora/protocol';
import { roleProblem } from '@agora/resources';

export function frameworkInfoProblem(
  info: FrameworkInfo,
  suppressedRoles: readonly string[],
  whitelist: ReadonlySet<string> | undefined,
): string | undefined {
  if (info.id !== undefined) {
    const bad = idProblem(info.id.value);
    if (bad) return `Invalid FrameworkID '${info.id.value}': ${bad}`;
  }
  const multiRole = hasCapability(info, 'MULTI_ROLE');
  if (multiRole && info.role !== undefined) return "'FrameworkInfo.role' must not be set when the framework is MULTI_ROLE capable";
  if (!multiRole && (info.roles?.length ?? 0) > 0) return "'FrameworkInfo.roles' must not be set when the framework is not MULTI_ROLE capable";
  const roles = frameworkRoles(info);
  const seen = new Set<string>();
  for (const role of roles) {
    if (seen.has(role)) return `'FrameworkInfo.roles' contains duplicate role '${role}'`;
    seen.add(role);
    const bad = roleProblem(role);
    if (bad) return `Role '${role}' is invalid: ${bad}`;
    if (whitelist && role !== '*' && !whitelist.has(role)) return `Role '${role}' is not present in the master's --roles`;
  }
  for (const r of suppressedRoles) {
    if (!seen.has(r)) return `Suppressed role '${r}' is not contained in the list of roles`;
  }
  if (!Number.isFinite(info.failover_timeout) || info.failover_timeout < 0) {
    return `'FrameworkInfo.failover_timeout' must be a non-negative number of seconds`;
  }
  if (info.name.length > 1024) return "'FrameworkInfo.name' is longer than 1024 characters";
  return undefined;
}
