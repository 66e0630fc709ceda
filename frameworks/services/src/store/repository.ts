/**
 * Where the services framework keeps what must survive it: app definitions (current and past
 * versions), running deployments, instance intents, and the framework id. One key per record
 * under `services/`, JSON values, over any `@agora/state` key-value store (file, ZooKeeper,
 * memory); the leader writes through a fenced view, so a deposed leader can never write.
 *
 * Layout:
 *   services/framework-id
 *   services/apps/<app id, escaped>                  current AppDefinition
 *   services/versions/<app id, escaped>/<version>    every stored version (newest `maxVersions`)
 *   services/deployments/<deployment id>
 *   services/instances/<instance id>
 *   services/group-versions/…, services/retired/…   the group history (group-history.ts)
 */
import { err, ok, type Result } from '@agora/protocol';
import { getJson, keySegment, setJson, unescapeKeySegment, type KeyValueStore, type StoreError } from '@agora/state';
import type { Deployment } from '../core/deployment.ts';
import type { Instance } from '../core/instance.ts';
import type { AppDefinition } from '../model/types.ts';
import { GroupHistory, type GroupVersion } from './group-history.ts';

const ROOT = 'services';
const k = (...parts: string[]) => [ROOT, ...parts].join('/');

export interface Snapshot {
  readonly frameworkId?: string;
  readonly apps: AppDefinition[];
  readonly deployments: Deployment[];
  readonly instances: Instance[];
}

/** A group version: every app id it has, and the definitions of those asked for. */
export interface ResolvedGroupVersion {
  readonly version: string;
  readonly appIds: readonly string[];
  readonly apps: readonly AppDefinition[];
  /** References asked for that could not be read (`<id> <version>`). */
  readonly missing: readonly string[];
}

export class Repository {
  private readonly history: GroupHistory;

  /** `maxVersions` bounds both each app's versions and the group versions (Marathon `--max_versions`). */
  constructor(private store: KeyValueStore, private readonly maxVersions = 50) {
    this.history = new GroupHistory(() => this.store, maxVersions);
  }

  /** Writes go through `store` from now on (the fenced view of a newly elected leader). */
  use(store: KeyValueStore): void {
    this.store = store;
  }

  private async put(key: string, value: unknown): Promise<Result<void, StoreError>> {
    const r = await setJson(this.store, key, value, 'any');
    return r.ok ? ok(undefined) : err(r.error);
  }

  private async remove(key: string): Promise<Result<void, StoreError>> {
    return this.store.delete(key, 'any');
  }

  private async values<T>(prefix: string): Promise<Result<T[], StoreError>> {
    const names = await this.store.list(prefix);
    if (!names.ok) return err(names.error);
    const out = await Promise.all(names.value.map((n) => getJson<T>(this.store, `${prefix}/${n}`)));
    const list: T[] = [];
    for (const r of out) {
      if (!r.ok) return err(r.error);
      if (r.value !== undefined) list.push(r.value.value);
    }
    return ok(list);
  }

  async load(): Promise<Result<Snapshot, StoreError>> {
    const fw = await getJson<string>(this.store, k('framework-id'));
    if (!fw.ok) return err(fw.error);
    const apps = await this.values<AppDefinition>(k('apps'));
    if (!apps.ok) return apps;
    const deployments = await this.values<Deployment>(k('deployments'));
    if (!deployments.ok) return deployments;
    const instances = await this.values<Instance>(k('instances'));
    if (!instances.ok) return instances;
    return ok({
      ...(fw.value !== undefined ? { frameworkId: fw.value.value } : {}),
      apps: apps.value, deployments: deployments.value.map(revive), instances: instances.value,
    });
  }

  setFrameworkId(id: string) {
    return this.put(k('framework-id'), id);
  }

  /** Stores the app as current and as a version; trims old versions. */
  async putApp(app: AppDefinition): Promise<Result<void, StoreError>> {
    const seg = keySegment(app.id);
    const v = await this.put(k('versions', seg, keySegment(app.version)), app);
    if (!v.ok) return v;
    const r = await this.put(k('apps', seg), app);
    if (!r.ok) return r;
    const all = await this.store.list(k('versions', seg));
    if (all.ok && all.value.length > this.maxVersions) {
      for (const old of all.value.sort().slice(0, all.value.length - this.maxVersions)) await this.remove(k('versions', seg, old));
    }
    return ok(undefined);
  }

  /**
   * Deleting an app deletes its versions too (Marathon: they are gone from its /versions); the
   * definitions move to the group history's retired bucket for `at` (the deleting change) while
   * kept group versions may refer to them.
   */
  async deleteApp(id: string, at: string): Promise<Result<void, StoreError>> {
    const seg = keySegment(id);
    const all = await this.store.list(k('versions', seg));
    if (all.ok) {
      const defs: AppDefinition[] = [];
      for (const v of all.value) {
        const r = await getJson<AppDefinition>(this.store, k('versions', seg, v));
        if (!r.ok) return err(r.error);
        if (r.value !== undefined) defs.push(r.value.value);
      }
      const kept = await this.history.retire(at, defs);
      if (!kept.ok) return kept;
      for (const v of all.value) await this.remove(k('versions', seg, v));
    }
    return this.remove(k('apps', seg));
  }

  /** Records the app tree after a change (see group-history.ts). */
  recordGroupVersion(g: GroupVersion): Promise<Result<void, StoreError>> {
    return this.history.record(g);
  }

  /** Stored group versions, newest first. */
  groupVersions(): Promise<Result<string[], StoreError>> {
    return this.history.list();
  }

  /**
   * The app tree at a group version, with the definitions of the apps `wanted` resolved (from
   * their versions, or retired after a delete); undefined when no such version is stored.
   */
  async groupVersion(version: string, wanted: (appId: string) => boolean): Promise<Result<ResolvedGroupVersion | undefined, StoreError>> {
    const g = await this.history.get(version);
    if (!g.ok || g.value === undefined) return g.ok ? ok(undefined) : g;
    const apps: AppDefinition[] = [];
    const missing: string[] = [];
    for (const [id, v] of Object.entries(g.value.apps)) {
      if (!wanted(id)) continue;
      let def = await this.version(id, v);
      if (def.ok && def.value === undefined) def = await this.history.retired(id, v, g.value.version);
      if (!def.ok) return def;
      if (def.value) apps.push(def.value);
      else missing.push(`${id} ${v}`);
    }
    return ok({ version: g.value.version, appIds: Object.keys(g.value.apps), apps, missing });
  }

  async versions(id: string): Promise<Result<string[], StoreError>> {
    const all = await this.store.list(k('versions', keySegment(id)));
    if (!all.ok) return all;
    return ok(all.value.map(unescapeKeySegment).sort().reverse());
  }

  async version(id: string, version: string): Promise<Result<AppDefinition | undefined, StoreError>> {
    const r = await getJson<AppDefinition>(this.store, k('versions', keySegment(id), keySegment(version)));
    return r.ok ? ok(r.value?.value) : err(r.error);
  }

  putDeployment(d: Deployment) {
    return this.put(k('deployments', keySegment(d.id)), { ...d, bestProgress: Number.isFinite(d.bestProgress) ? d.bestProgress : null });
  }

  deleteDeployment(id: string) {
    return this.remove(k('deployments', keySegment(id)));
  }

  putInstance(i: Instance) {
    return this.put(k('instances', keySegment(i.id)), i);
  }

  deleteInstance(id: string) {
    return this.remove(k('instances', keySegment(id)));
  }
}

/** JSON has no -Infinity: a deployment that has seen no progress yet is stored with null. */
function revive(d: Deployment): Deployment {
  return d.bestProgress === null ? { ...d, bestProgress: Number.NEGATIVE_INFINITY } : d;
}
