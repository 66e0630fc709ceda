/**
 * The extension point of `agora local`: what runs besides the master and the agents. The
 * services (Marathon API) and cron (Chronos API) frameworks join here when they land, each as an
 * `agora <subcommand>` child started after the agents are registered; the web UI (served by the
 * master) adds only a banner line. With `--ha` (three masters and a ZooKeeper) extras get the first
 * master's URL in `masterUrl`; standbys redirect to the leader.
 */
import { join } from 'node:path';
import type { MasterState } from '../master-state.ts';

export interface LocalContext {
  readonly masterUrl: string;
  readonly workDir: string;
  readonly logDir: string;
  /** Ports already taken by the master and agents. */
  readonly usedPorts: readonly number[];
  /** The frameworks' API ports (0: not started), from --services-port and --cron-port. */
  readonly servicesPort: number;
  readonly cronPort: number;
  /** The host the daemons listen on. */
  readonly host: string;
}

export interface ExtraComponent {
  /** Process name and log file name (`services` → logs/services.log). */
  readonly name: string;
  /** The `agora` subcommand and its flags. */
  readonly argv: readonly string[];
  /** Its URL for the banner. */
  readonly url: string;
  /** Ports it binds, checked before anything starts. */
  readonly ports: readonly number[];
  /** Ready when this holds for the master's state (e.g. its framework subscribed). */
  ready(state: MasterState): boolean;
}

export interface LocalExtension {
  readonly name: string;
  /** Processes to start after the agents are registered. */
  components?(ctx: LocalContext): readonly ExtraComponent[];
  /** Extra banner lines (label, value), e.g. the web UI's URL. */
  bannerLines?(ctx: LocalContext): readonly (readonly [string, string])[];
}

/** A framework (by FrameworkInfo.name) is ready once the master lists it as active. */
const subscribed = (name: string) => (state: MasterState) => state.frameworks.some((f) => f.name === name && f.active !== false);

/**
 * The services framework (Marathon's /v2 API) and the cron framework (Chronos's API), each with
 * its state in a file store under the work dir, so they survive their own restarts. In --ha
 * mode the cluster passes them the ZooKeeper URL instead of the first master's (see local.ts).
 */
export const FRAMEWORKS_EXTENSION: LocalExtension = {
  name: 'frameworks',
  components(ctx) {
    const out: ExtraComponent[] = [];
    if (ctx.servicesPort > 0) {
      out.push({
        name: 'services',
        argv: ['services', `--master=${ctx.masterUrl}`, `--http-port=${ctx.servicesPort}`, `--ip=${ctx.host}`, `--state=${join(ctx.workDir, 'services', 'state')}`],
        url: `http://${ctx.host}:${ctx.servicesPort}`,
        ports: [ctx.servicesPort],
        ready: subscribed('marathon'),
      });
    }
    if (ctx.cronPort > 0) {
      out.push({
        name: 'cron',
        argv: ['cron', `--master=${ctx.masterUrl}`, `--http-port=${ctx.cronPort}`, `--hostname=${ctx.host}`, `--state=${join(ctx.workDir, 'cron', 'state')}`],
        url: `http://${ctx.host}:${ctx.cronPort}`,
        ports: [ctx.cronPort],
        ready: subscribed('agora-cron'),
      });
    }
    return out;
  },
};

/** Registered extensions, in start order. */
export const LOCAL_EXTENSIONS: LocalExtension[] = [FRAMEWORKS_EXTENSION];
