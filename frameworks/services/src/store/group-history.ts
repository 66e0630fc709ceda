/**
 * Group versions (Marathon's root-group versions): after every change the whole app tree is
 * recorded as references, app id → that app's version, so a record stays small (tens of bytes
 * per app) while the definitions themselves live once, under `services/versions/`.
 *
 * Layout (under `services/`):
 *   group-versions/<version>                         {version, apps: {<app id>: <app version>}}
 *   retired/<deleted at>/<app id>/<app version>      definitions of apps deleted at that version
 *
 * Retention: the newest `maxVersions` group versions are kept. Each change makes at most one new
 * version of each app and one group version, so the app version a kept group version refers to
 * is always among that app's newest `maxVersions` (which `putApp` keeps). A deleted app's
 * versions move to `retired/<deleted at>/`; that bucket goes once no kept group version is older
 * than the deletion (nothing can refer to it any more).
 */
import { err, ok, type Result } from '@agora/protocol';
import { getJson, keySegment, setJson, unescapeKeySegment, type KeyValueStore, type StoreError } from '@agora/state';
import type { AppDefinition } from '../model/types.ts';

export interface GroupVersion {
  readonly version: string;
  /** Every app that existed at `version`, with its version then. */
  readonly apps: Readonly<Record<string, string>>;
}

const k = (...parts: string[]) => ['services', ...parts].join('/');

export class GroupHistory {
  /** `store` is read at each call: the repository swaps in a fenced view on election. */
  constructor(private readonly store: () => KeyValueStore, private readonly maxVersions: number) {}

  /** Records the tree at `version`; then drops versions beyond the bound and retired apps nothing refers to. */
  async record(g: GroupVersion): Promise<Result<void, StoreError>> {
    const w = await setJson(this.store(), k('group-versions', keySegment(g.version)), g, 'any');
    if (!w.ok) return err(w.error);
    const all = await this.list();
    if (!all.ok) return all;
    for (const old of all.value.slice(this.maxVersions)) {
      const r = await this.store().delete(k('group-versions', keySegment(old)), 'any');
      if (!r.ok) return r;
    }
    const oldest = all.value.slice(0, this.maxVersions).at(-1) ?? g.version;
    const buckets = await this.store().list(k('retired'));
    if (!buckets.ok) return buckets;
    for (const b of buckets.value) {
      if (unescapeKeySegment(b) > oldest) continue;
      const r = await this.removeTree(k('retired', b));
      if (!r.ok) return r;
    }
    return ok(undefined);
  }

  /** Stored group versions, newest first. */
  async list(): Promise<Result<string[], StoreError>> {
    const names = await this.store().list(k('group-versions'));
    return names.ok ? ok(names.value.map(unescapeKeySegment).sort().reverse()) : names;
  }

  async get(version: string): Promise<Result<GroupVersion | undefined, StoreError>> {
    const r = await getJson<GroupVersion>(this.store(), k('group-versions', keySegment(version)));
    return r.ok ? ok(r.value?.value) : err(r.error);
  }

  /** Keeps `defs` (the versions of an app deleted at `at`) for the group versions that refer to them. */
  async retire(at: string, defs: readonly AppDefinition[]): Promise<Result<void, StoreError>> {
    for (const d of defs) {
      const w = await setJson(this.store(), k('retired', keySegment(at), keySegment(d.id), keySegment(d.version)), d, 'any');
      if (!w.ok) return err(w.error);
    }
    return ok(undefined);
  }

  /** A retired definition of `appId` at `appVersion`, from an app deleted after `after`. */
  async retired(appId: string, appVersion: string, after: string): Promise<Result<AppDefinition | undefined, StoreError>> {
    const buckets = await this.store().list(k('retired'));
    if (!buckets.ok) return buckets;
    for (const b of buckets.value) {
      if (unescapeKeySegment(b) <= after) continue;
      const r = await getJson<AppDefinition>(this.store(), k('retired', b, keySegment(appId), keySegment(appVersion)));
      if (!r.ok) return err(r.error);
      if (r.value !== undefined) return ok(r.value.value);
    }
    return ok(undefined);
  }

  private async removeTree(prefix: string): Promise<Result<void, StoreError>> {
    const names = await this.store().list(prefix);
    if (!names.ok) return names;
    for (const n of names.value) {
      const r = await this.removeTree(`${prefix}/${n}`);
      if (!r.ok) return r;
    }
    return this.store().delete(prefix, 'any');
  }
}
