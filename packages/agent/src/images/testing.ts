/**
 * A tiny Docker image built at test time from Debian's busybox-static, saved the way `docker save`
 * does (manifest.json, config, one directory per layer) or as an OCI image layout. Two layers, so
 * whiteouts are exercised: layer 1 has /data/gone and /data/opaque/old; layer 2 deletes
 * /data/gone (`.wh.gone`), makes /data/opaque opaque (`.wh..wh..opq`) with a new file, and adds
 * /data/hello.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync, copyFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const BUSYBOX = '/bin/busybox';
export const hasBusybox = () => existsSync(BUSYBOX);

/** Why image-container tests cannot run on this machine (undefined: they can): they need root, busybox-static, runc and a cgroup v1 memory hierarchy. */
export function imageTestsSkipReason(): string | undefined {
  if (process.getuid?.() !== 0) return 'image containers need root';
  if (!hasBusybox()) return 'busybox-static is not installed';
  try {
    execFileSync('runc', ['--version'], { stdio: 'ignore' });
  } catch {
    return 'runc is not installed';
  }
  return existsSync('/sys/fs/cgroup/memory/cgroup.procs') ? undefined : 'no cgroup v1 memory hierarchy';
}

export const IMAGE_CONFIG = {
  architecture: 'amd64',
  os: 'linux',
  config: { Cmd: ['/bin/sh', '-c', 'echo from-image-cmd'], Env: ['PATH=/bin', 'IMAGE_VAR=from-image'], WorkingDir: '/data' },
  rootfs: { type: 'layers', diff_ids: [] as string[] },
};

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

function layers(work: string): string[] {
  const l1 = join(work, 'l1');
  mkdirSync(join(l1, 'bin'), { recursive: true });
  copyFileSync(BUSYBOX, join(l1, 'bin', 'busybox'));
  chmodSync(join(l1, 'bin', 'busybox'), 0o755);
  for (const tool of ['sh', 'ls', 'cat', 'echo', 'test', 'id', 'ps', 'sleep', 'tr', 'true', 'false', 'wc', 'grep', 'touch', 'mkdir']) symlinkSync('busybox', join(l1, 'bin', tool));
  mkdirSync(join(l1, 'etc'));
  writeFileSync(join(l1, 'etc', 'passwd'), 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/sh\n');
  mkdirSync(join(l1, 'data', 'opaque'), { recursive: true });
  for (const d of ['proc', 'dev', 'sys', 'tmp']) mkdirSync(join(l1, d));
  writeFileSync(join(l1, 'data', 'gone'), 'deleted by layer 2\n');
  writeFileSync(join(l1, 'data', 'opaque', 'old'), 'hidden by the opaque whiteout\n');
  const l2 = join(work, 'l2');
  mkdirSync(join(l2, 'data', 'opaque'), { recursive: true });
  writeFileSync(join(l2, 'data', '.wh.gone'), '');
  writeFileSync(join(l2, 'data', 'opaque', '.wh..wh..opq'), '');
  writeFileSync(join(l2, 'data', 'opaque', 'new'), 'from layer 2\n');
  writeFileSync(join(l2, 'data', 'hello'), 'hello from the image\n');
  return [l1, l2].map((dir) => {
    const tar = `${dir}.tar`;
    execFileSync('tar', ['-cf', tar, '--numeric-owner', '-C', dir, '.']);
    return tar;
  });
}

/** Writes `<registry>/<name>:<tag>.tar` as docker save lays it out; returns the config digest. */
export function writeDockerSave(registry: string, repository: string, tag: string): string {
  const work = mkdtempSync(join(tmpdir(), 'agora-img-'));
  try {
    const out = join(work, 'out');
    mkdirSync(out);
    const tars = layers(work);
    const names: string[] = [];
    for (const [i, t] of tars.entries()) {
      mkdirSync(join(out, `layer${i}`));
      copyFileSync(t, join(out, `layer${i}`, 'layer.tar'));
      names.push(`layer${i}/layer.tar`);
    }
    const config = Buffer.from(JSON.stringify({ ...IMAGE_CONFIG, rootfs: { type: 'layers', diff_ids: tars.map((t) => `sha256:${sha(readFileSync(t))}`) } }));
    const digest = sha(config);
    writeFileSync(join(out, `${digest}.json`), config);
    writeFileSync(join(out, 'manifest.json'), JSON.stringify([{ Config: `${digest}.json`, RepoTags: [`${repository}:${tag}`], Layers: names }]));
    mkdirSync(join(registry, ...repository.split('/').slice(0, -1)), { recursive: true });
    execFileSync('tar', ['-cf', join(registry, `${repository}:${tag}.tar`), '-C', out, '.']);
    return `sha256:${digest}`;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** Writes `<registry>/<name>:<tag>/` as an OCI image layout (gzip layers); returns the config digest. */
export function writeOciLayout(registry: string, repository: string, tag: string): string {
  const work = mkdtempSync(join(tmpdir(), 'agora-img-'));
  const dir = join(registry, `${repository}:${tag}`);
  try {
    mkdirSync(join(dir, 'blobs', 'sha256'), { recursive: true });
    const blob = (b: Buffer) => {
      const h = sha(b);
      writeFileSync(join(dir, 'blobs', 'sha256', h), b);
      return { digest: `sha256:${h}`, size: b.length };
    };
    const layerDescs = layers(work).map((t) => {
      execFileSync('gzip', ['-n', t]);
      return { mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', ...blob(readFileSync(`${t}.gz`)) };
    });
    const config = blob(Buffer.from(JSON.stringify(IMAGE_CONFIG)));
    const manifest = blob(Buffer.from(JSON.stringify({ schemaVersion: 2, config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config }, layers: layerDescs })));
    writeFileSync(join(dir, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', ...manifest }] }));
    writeFileSync(join(dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
    return config.digest;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
