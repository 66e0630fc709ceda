/**
 * Group versions and rollback (Marathon: GET /v2/groups/{id}/versions[/{version}], PUT
 * /v2/groups/{id} with `{"version": ts}`). A group exists at a version when the app tree then had
 * an app strictly below it (the root always exists), as for the live tree. A rollback makes the
 * apps below the group what they were: old definitions come back at a new version (tasks are
 * replaced only where the configuration differs), apps added since are removed, as one ordinary
 * group change (409 while a deployment holds an affected app unless `force`; `dryRun` plans only).
 */
import { err, ok, type Result } from '@agora/protocol';
import type { Deployment } from '../core/deployment.ts';
import { groupNotFound, type ApiError } from '../model/errors.ts';
import { isRoot, isUnder } from '../model/path-id.ts';
import type { AppDefinition } from '../model/types.ts';
import { applyGroup } from './app-changes.ts';
import { mustRead, type Owner } from './owner.ts';

function existsIn(appIds: Iterable<string>, groupId: string): boolean {
  if (isRoot(groupId)) return true;
  for (const id of appIds) if (isUnder(id, groupId) && id !== groupId) return true;
  return false;
}

/** The group's versions, newest first; 404 when the group does not exist now. */
export async function groupVersions(o: Owner, groupId: string): Promise<Result<string[], ApiError>> {
  if (!existsIn(o.state.apps.keys(), groupId)) return err(groupNotFound(groupId));
  const all = mustRead(await o.opts.repo.groupVersions());
  if (isRoot(groupId)) return ok(all);
  const out: string[] = [];
  for (const v of all) {
    const g = mustRead(await o.opts.repo.groupVersion(v, () => false));
    if (g && existsIn(g.appIds, groupId)) out.push(v);
  }
  return ok(out);
}

/** The apps below the group at `version`, or undefined when it did not exist then (or is not stored). */
async function appsAt(o: Owner, groupId: string, version: string): Promise<AppDefinition[] | undefined> {
  const g = mustRead(await o.opts.repo.groupVersion(version, (id) => isUnder(id, groupId)));
  if (!g || !existsIn(g.appIds, groupId)) return undefined;
  // A reference that cannot be read would make the tree (and a rollback to it) silently partial.
  if (g.missing.length > 0) {
    o.opts.log.warn({ version, missing: g.missing }, 'group version refers to app versions no longer stored');
    return undefined;
  }
  return [...g.apps];
}

/** GET /v2/groups/{id}/versions/{version}: 404 `Group '<id>' does not exist` as Marathon words it. */
export async function groupVersion(o: Owner, groupId: string, version: string): Promise<Result<AppDefinition[], ApiError>> {
  const apps = await appsAt(o, groupId, version);
  return apps ? ok(apps) : err(groupNotFound(groupId));
}

/** PUT /v2/groups/{id} `{"version": ts}`: runs inside the owner's serial section. */
export async function rollbackGroup(o: Owner, groupId: string, to: string, opts: { force: boolean; dryRun: boolean }): Promise<Result<{ deployment: Deployment; dryRun: boolean }, ApiError>> {
  const apps = await appsAt(o, groupId, to);
  if (!apps) return err({ status: 404, body: { message: `Group ${groupId} not available in version ${to}` } });
  return applyGroup(o, groupId, apps, { prune: true, force: opts.force, dryRun: opts.dryRun });
}
