/**
 * Docker image names (`[REGISTRY_HOST[:PORT]/]REPOSITORY[:TAG|@sha256:DIGEST]`) and where the local
 * store (`--docker-registry`, a directory) keeps them: a `docker save` tarball
 * `<repository>:<tag>.tar` (Mesos's local puller layout; `<repository>.tar` for `latest`), or an OCI
 * image layout directory `<repository>:<tag>/` (or `<repository>/`). A `library/` prefix is optional.
 */
import { err, ok, type Result } from '@agora/protocol';

export interface ImageReference {
  /** The repository without registry host, e.g. `busybox` or `team/app`. */
  repository: string;
  tag: string;
  digest: string | undefined;
}

const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;

export function parseImageReference(name: string): Result<ImageReference, string> {
  let rest = name.trim();
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!/^sha256:[0-9a-f]{64}$/.test(digest)) return err(`image '${name}': the digest must be sha256:<64 hex digits>`);
  }
  let tag = 'latest';
  const slash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  if (colon > slash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!/^[\w][\w.-]{0,127}$/.test(tag)) return err(`image '${name}': invalid tag '${tag}'`);
  }
  const parts = rest.split('/');
  // A first component with a dot, a port or "localhost" is a registry host: the local store ignores it.
  if (parts.length > 1 && (/[.:]/.test(parts[0]!) || parts[0] === 'localhost')) parts.shift();
  if (parts.length === 0 || !parts.every((p) => COMPONENT.test(p))) return err(`image '${name}': invalid repository '${rest}'`);
  return ok({ repository: parts.join('/'), tag, digest });
}

/** Candidate paths in the store, best first. */
export function storeCandidates(ref: ImageReference): string[] {
  const repos = [ref.repository, ...(ref.repository.startsWith('library/') ? [ref.repository.slice('library/'.length)] : [`library/${ref.repository}`])];
  const out: string[] = [];
  for (const r of repos) {
    out.push(`${r}:${ref.tag}.tar`, `${r}:${ref.tag}`);
    if (ref.tag === 'latest') out.push(`${r}.tar`, r);
  }
  return out;
}
