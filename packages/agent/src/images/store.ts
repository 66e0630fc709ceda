/**
 * The local Docker image store (no Docker daemon, Mesos's "local puller"): images come from the
 * `--docker-registry` directory (reference.ts), as `docker save` tarballs (manifest.json) or OCI
 * image layouts (index.json → manifest → config and layers). Each image is unpacked once into
 * `<--docker-store-dir>/images/<config digest>/rootfs` (layers in order, whiteouts applied) with
 * its `config.json`; later containers share it (provisioner.ts mounts or copies it per
 * container). Concurrent requests for one image share one unpack; a failed unpack leaves nothing.
 */
import { createHash } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { err, ok, type Result } from '@agora/protocol';
import { applyLayer, runCommand } from './layers.ts';
import { parseImageReference, storeCandidates } from './reference.ts';

/** What a container needs from the image's config (Docker/OCI field names). */
export interface ImageConfig {
  Entrypoint?: string[] | null;
  Cmd?: string[] | null;
  Env?: string[] | null;
  WorkingDir?: string;
  User?: string;
}

export interface ProvisionedImage {
  /** sha256:… of the image config (the image ID). */
  digest: string;
  rootfs: string;
  config: ImageConfig;
}

interface Manifest {
  configPath: string;
  layerPaths: string[];
}

const sha256 = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

async function readJson(path: string): Promise<unknown> {
  return JSON.parse(await readFile(path, 'utf8')) as unknown;
}

/** docker save: manifest.json [{Config, Layers}]; OCI: index.json → blobs. Paths relative to `dir`. */
async function readManifest(dir: string): Promise<Result<Manifest, string>> {
  try {
    if (existsSync(join(dir, 'manifest.json'))) {
      const m = (await readJson(join(dir, 'manifest.json'))) as Array<{ Config: string; Layers: string[] }>;
      if (!Array.isArray(m) || !m[0]?.Config || !Array.isArray(m[0].Layers)) return err('manifest.json has no Config/Layers');
      return ok({ configPath: join(dir, m[0].Config), layerPaths: m[0].Layers.map((l) => join(dir, l)) });
    }
    if (existsSync(join(dir, 'index.json'))) {
      const blob = (digest: string) => join(dir, 'blobs', ...digest.split(':'));
      const index = (await readJson(join(dir, 'index.json'))) as { manifests?: Array<{ digest: string; mediaType?: string }> };
      let desc = index.manifests?.[0];
      if (!desc) return err('index.json lists no manifest');
      let manifest = (await readJson(blob(desc.digest))) as { manifests?: Array<{ digest: string }>; config?: { digest: string }; layers?: Array<{ digest: string }> };
      if (manifest.manifests?.[0]) {
        desc = manifest.manifests[0]; // a nested index: take its first manifest
        manifest = (await readJson(blob(desc.digest))) as typeof manifest;
      }
      if (!manifest.config || !manifest.layers) return err('the OCI manifest has no config/layers');
      return ok({ configPath: blob(manifest.config.digest), layerPaths: manifest.layers.map((l) => blob(l.digest)) });
    }
    return err('neither manifest.json (docker save) nor index.json (OCI layout) found');
  } catch (e) {
    return err(`cannot read the image manifest: ${message(e)}`);
  }
}

export class ImageStore {
  private readonly inflight = new Map<string, Promise<Result<ProvisionedImage, string>>>();

  constructor(private readonly opts: { registryDir: string; storeDir: string }) {}

  /** The image's unpacked root filesystem and config, unpacking it on first use. */
  get(name: string): Promise<Result<ProvisionedImage, string>> {
    let p = this.inflight.get(name);
    if (!p) {
      p = this.load(name).finally(() => this.inflight.delete(name));
      this.inflight.set(name, p);
    }
    return p;
  }

  private async load(name: string): Promise<Result<ProvisionedImage, string>> {
    const ref = parseImageReference(name);
    if (!ref.ok) return ref;
    const source = storeCandidates(ref.value).map((c) => join(this.opts.registryDir, c)).find((p) => existsSync(p));
    if (!source) return err(`image '${name}' not found in --docker-registry ${this.opts.registryDir} (looked for ${storeCandidates(ref.value).slice(0, 2).join(', ')} …)`);
    await mkdir(join(this.opts.storeDir, 'staging'), { recursive: true });
    const staging = await mkdtemp(join(this.opts.storeDir, 'staging', 'image-'));
    try {
      let dir = source;
      if (statSync(source).isFile()) {
        dir = join(staging, 'archive');
        await mkdir(dir);
        const x = await runCommand('tar', ['-xf', source, '-C', dir]);
        if (!x.ok) return err(`image '${name}': cannot unpack ${source}: ${x.error}`);
      }
      const manifest = await readManifest(dir);
      if (!manifest.ok) return err(`image '${name}': ${manifest.error}`);
      const configBytes = await readFile(manifest.value.configPath);
      const digest = sha256(configBytes);
      if (ref.value.digest !== undefined && ref.value.digest !== digest) return err(`image '${name}': its config digest is ${digest}`);
      const config = ((JSON.parse(configBytes.toString('utf8')) as { config?: ImageConfig }).config ?? {});
      const home = join(this.opts.storeDir, 'images', digest.replace(':', '-'));
      if (!existsSync(join(home, 'config.json'))) {
        const rootfs = join(staging, 'rootfs');
        await mkdir(rootfs);
        for (const layer of manifest.value.layerPaths) {
          const applied = await applyLayer(rootfs, layer);
          if (!applied.ok) return err(`image '${name}': ${applied.error}`);
        }
        await mkdir(join(staging, 'image'));
        await rename(rootfs, join(staging, 'image', 'rootfs'));
        await writeFile(join(staging, 'image', 'config.json'), JSON.stringify(config));
        await mkdir(join(this.opts.storeDir, 'images'), { recursive: true });
        // Whoever renames first wins; a loser's copy is dropped with the staging directory.
        await rename(join(staging, 'image'), home).catch(() => undefined);
      }
      return ok({ digest, rootfs: join(home, 'rootfs'), config });
    } catch (e) {
      return err(`image '${name}': ${message(e)}`);
    } finally {
      await rm(staging, { recursive: true, force: true });
    }
  }
}
