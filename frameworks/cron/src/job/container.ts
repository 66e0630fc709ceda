/**
 * A job's container: the image its runs start from, read from Chronos's `container` object
 * (`{type, image, volumes, network, forcePullImage, parameters}`) or Metronome's `run.docker` /
 * `run.ucr` (+ `run.volumes`). Both Chronos types and both Metronome forms run the same way, under
 * the agent's unified containerizer with a Docker image (there is no Docker daemon); `type` is kept
 * so each API shows the job as it was written. `network` and `parameters` are Docker-daemon
 * settings: kept and shown, not applied. Errors name the field.
 */
import { err, ok, type Result } from '@agora/protocol';
import type { JobContainer, JobVolume } from './model.ts';
import { Reader, fieldError, type FieldError } from './validate.ts';

type Obj = Record<string, unknown>;

/** `[registry[:port]/]repository[:tag][@digest]`, no spaces. */
const IMAGE = /^[A-Za-z0-9][A-Za-z0-9._\-/:@]*$/;
const NETWORKS = ['HOST', 'BRIDGE', 'USER', 'NONE'];

const isObject = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function image(r: Reader, field: string): string {
  const v = r.string(field, '');
  if (r.error) return v;
  if (v === '') r.reject(field, 'is required (a Docker image, e.g. busybox:1.36)');
  else if (!IMAGE.test(v)) r.reject(field, `'${v}' is not a Docker image reference`);
  return v;
}

/** `[{containerPath, hostPath, mode}]` (hostPath absolute: the host; relative: the sandbox). */
export function readVolumes(r: Reader, field: string): JobVolume[] {
  const out: JobVolume[] = [];
  r.array(field).forEach((e, i) => {
    const at = `${field}[${i}]`;
    if (!isObject(e)) return r.reject(at, 'must be {"containerPath", "hostPath", "mode"}');
    const v = new Reader(e, `${r.prefix}${at}.`);
    const containerPath = v.string('containerPath', '');
    const hostPath = v.string('hostPath', '');
    const mode = v.string('mode', 'RW').toUpperCase();
    if (!v.error && containerPath === '') v.reject('containerPath', 'is required');
    if (!v.error && hostPath === '') v.reject('hostPath', 'is required (persistent and external volumes are not supported)');
    if (!v.error && mode !== 'RW' && mode !== 'RO') v.reject('mode', `'${mode}' is not RW or RO`);
    if (v.error) r.error ??= v.error;
    else out.push({ containerPath, hostPath, mode: mode as JobVolume['mode'] });
  });
  return out;
}

function parameters(r: Reader, field: string): { key: string; value: string }[] {
  const out: { key: string; value: string }[] = [];
  r.array(field).forEach((p, i) => {
    if (!isObject(p) || typeof p.key !== 'string' || typeof (p.value ?? '') !== 'string') r.reject(`${field}[${i}]`, 'must be {"key": string, "value": string}');
    else out.push({ key: p.key, value: (p.value as string | undefined) ?? '' });
  });
  return out;
}

/** Chronos's `container` (absent or null: the job runs on the agent's host filesystem). */
export function parseChronosContainer(value: unknown): Result<JobContainer | null, FieldError> {
  if (value === undefined || value === null) return ok(null);
  if (!isObject(value)) return err(fieldError('container', 'must be an object or null'));
  const r = new Reader(value, 'container.');
  const type = r.string('type', 'DOCKER').toUpperCase();
  if (!r.error && type !== 'DOCKER' && type !== 'MESOS') r.reject('type', `'${type}' is not DOCKER or MESOS`);
  const img = image(r, 'image');
  const network = r.string('network', 'HOST').toUpperCase();
  if (!r.error && !NETWORKS.includes(network)) r.reject('network', `'${network}' is not one of ${NETWORKS.join(', ')}`);
  const c: JobContainer = {
    type: type as JobContainer['type'],
    image: img,
    forcePullImage: r.bool('forcePullImage', false),
    network,
    volumes: readVolumes(r, 'volumes'),
    parameters: parameters(r, 'parameters'),
  };
  return r.error ? err(r.error) : ok(c);
}

/** Metronome's `run.docker` or `run.ucr`, with `run.volumes`; `run` is the JobSpec's run object. */
export function parseMetronomeContainer(run: Obj): Result<JobContainer | null, FieldError> {
  const r = new Reader(run, 'run.');
  const hasDocker = r.has('docker');
  const hasUcr = r.has('ucr');
  const volumes = readVolumes(r, 'volumes');
  if (r.error) return err(r.error);
  if (hasDocker && hasUcr) return err(fieldError('run.ucr', "give either 'docker' or 'ucr', not both"));
  if (!hasDocker && !hasUcr) return volumes.length > 0 ? err(fieldError('run.volumes', 'volumes need a container image (run.docker or run.ucr)')) : ok(null);
  if (hasDocker) {
    if (!isObject(run.docker)) return err(fieldError('run.docker', 'must be an object'));
    const d = new Reader(run.docker, 'run.docker.');
    const c: JobContainer = { type: 'DOCKER', image: image(d, 'image'), forcePullImage: d.bool('forcePullImage', false), network: 'HOST', volumes, parameters: parameters(d, 'parameters') };
    return d.error ? err(d.error) : ok(c);
  }
  if (!isObject(run.ucr)) return err(fieldError('run.ucr', 'must be an object'));
  if (!isObject(run.ucr.image)) return err(fieldError('run.ucr.image', 'is required ({"id": "<docker image>"})'));
  const u = new Reader(run.ucr.image, 'run.ucr.image.');
  const kind = u.string('kind', 'docker');
  if (!u.error && kind !== 'docker') u.reject('kind', `'${kind}' is not supported (only docker images)`);
  const c: JobContainer = { type: 'MESOS', image: image(u, 'id'), forcePullImage: u.bool('forcePull', false), network: 'HOST', volumes, parameters: [] };
  return u.error ? err(u.error) : ok(c);
}

/** The Metronome view of a container: `docker` or `ucr`, and `volumes`. */
export function renderMetronomeContainer(c: JobContainer | null): Record<string, unknown> {
  if (c === null) return {};
  const volumes = c.volumes.map((v) => ({ containerPath: v.containerPath, hostPath: v.hostPath, mode: v.mode }));
  return c.type === 'DOCKER'
    ? { docker: { image: c.image, forcePullImage: c.forcePullImage, ...(c.parameters.length > 0 ? { parameters: c.parameters } : {}) }, volumes }
    : { ucr: { image: { id: c.image, kind: 'docker', forcePull: c.forcePullImage } }, volumes };
}
