/** The scheduler side of the SDK: implement `Scheduler`, run it with `SchedulerDriver`. */
export type { Scheduler, SchedulerSubscribedInfo } from './scheduler.ts';
export {
  SchedulerDriver, SCHEDULER_PATH,
  type SchedulerDriverOptions, type FrameworkInfoInput, type DriverState, type StopReason, type CallReply, type CallError, type CallResult,
} from './driver.ts';
export { masterBaseUrl, zooKeeperMasterDetector, type ZooKeeperMasterDetectorOptions } from './zk-detector.ts';
export { detectorFor, DETECTOR_SCHEMES, type DetectorFactory, type DetectorFactoryOptions } from './detector-for.ts';
export { StaticMasterDetector, normalizeMasterUrl, originOfLocation, describeFetchError, type MasterDetector, type StaticDetectorOptions } from './detector.ts';
export { backoffDelay, DEFAULT_BACKOFF, type BackoffOptions } from './backoff.ts';
export * from './calls.ts';
export { idValue, toId, type IdLike } from './ids.ts';
export { parseResourceSpec, formatResourceSpec, resourceSpecProblem, type ResourceSpec } from './resource-spec.ts';
export { matchOffer, matchOffers, takeResources, offerRole, type MatchOptions, type Placement, type OfferMatch, type OffersMatch } from './match.ts';
export { imageContainer, imageVolume, type ImageContainerSpec, type ImageVolumeSpec } from './container.ts';
export { buildCommandTask, commandInfo, newTaskId, planCommandTasks, type CommandTaskSpec, type LaunchPlan } from './tasks.ts';
export { FakeMaster, FakeSchedulerSubscription, type FakeMasterOptions, type FakeReply, type RecordedCall, type RouteHandler } from './fake-master.ts';
