/**
 * The extension point of `agora local`: what runs besides the master and the agents. The
 * services (Marathon API) and cron (Chronos API) frameworks join here when they land, each as an
 * `agora <subcommand>` child started after the agents are registered; the web UI (served by the
 * master) adds only a banner line. With `--ha` (three masters and a ZooKeeper) extras get the first
 * master's URL in `masterUrl`; standbys redirect to the leader.
 */
import type { MasterState } from '../master-state.ts';

export interface LocalContext {
  readonly masterUrl: string;
  readonly workDir: string;
  readonly logDir: string;
  /** Ports already taken by the master and agents. */
  readonly usedPorts: readonly number[];
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

/** Registered extensions, in start order. Empty until the frameworks and the UI exist. */
export const LOCAL_EXTENSIONS: LocalExtension[] = [];
