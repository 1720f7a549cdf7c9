import { ApiObject, Duration } from 'cdk8s';
import { Construct } from 'constructs';
import { PropChecker } from '../prop-checks';
import { CanaryMatch, WeightMatch } from '../traffic/canary-match';
import { EngineRiskCode } from '../traffic/engine-risks';
import { EngineMetricQueries, IReleaseEngineSupport, ReleaseEngineKind, RouteIntent } from '../traffic/provider-contract';
import { RiskDescription } from '../warnings';
import type { EngineHandover, StatelessWebApp } from '../web-app/stateless-web-app';

/**
 * The seam between `CanaryRelease` and a progressive-delivery engine. The release says what it wants (the new
 * image, the matches, version stickiness); an engine either leaves the GitOps split to the traffic provider
 * (`ReleaseEngine.gitOps()`) or renders its own objects (Argo Rollouts, Flagger) and says which objects of the app
 * it takes over. An engine knows no controller: it attaches its canary to the app's route (so the provider
 * validates it) and asks the provider's engine part (`IReleaseEngineSupport`) for the controller's blocks.
 */

/**
 * A progressive-delivery engine for `CanaryRelease`: build one with `ReleaseEngine.gitOps()`,
 * `ReleaseEngine.argoRollouts({...})` or `ReleaseEngine.flagger({...})`.
 */
export interface IReleaseEngine {
  /** Short name for messages, e.g. `Argo Rollouts`. */
  readonly name: string;
}

/**
 * Metric analysis in the user's terms. Each engine turns it into its own objects (an Argo Rollouts
 * `AnalysisTemplate`, Flagger `MetricTemplate`s) with Prometheus queries for the app's traffic provider.
 */
export interface ReleaseAnalysis {
  /**
   * Lowest share of canary requests that must not answer 5xx, in percent.
   * @default 99
   */
  readonly minSuccessRatePercent?: number;
  /**
   * Highest 99th-percentile latency of canary requests, in whole milliseconds. Use this rather than `maxLatencyP99Ms`.
   * @default Duration.millis(500)
   */
  readonly maxLatencyP99?: Duration;
  /**
   * The same as `maxLatencyP99`, in milliseconds.
   * @default 500
   * @deprecated Use `maxLatencyP99` (a `Duration`, as every time in this library); `maxLatencyP99Ms` keeps working through 0.x.
   */
  readonly maxLatencyP99Ms?: number;
  /**
   * How often the metrics are checked, and the window each query looks back over.
   * @default Duration.minutes(1)
   */
  readonly interval?: Duration;
  /**
   * The release rolls back when this many checks have failed.
   * @default 2
   */
  readonly rollbackAfterFailures?: number;
  /**
   * PromQL returning the canary's success rate in percent (0-100), replacing the query for the app's traffic
   * provider. Needed when your controller's metrics are not the ones the provider's query assumes (see the
   * provider's documentation).
   * @default - the query for the app's traffic provider
   */
  readonly successRateQuery?: string;
  /**
   * PromQL returning the canary's 99th-percentile latency in milliseconds, replacing the query for the app's
   * traffic provider.
   * @default - the query for the app's traffic provider
   */
  readonly latencyP99Query?: string;
}

/** The analysis with every default resolved. */
export interface ResolvedAnalysis {
  readonly minSuccessRatePercent: number;
  readonly maxLatencyP99Ms: number;
  readonly intervalSeconds: number;
  readonly rollbackAfterFailures: number;
  readonly successRateQuery?: string;
  readonly latencyP99Query?: string;
}

/** What a release asks of an engine before it attaches to the app's route (the engine's own refusals). */
export interface EngineCheck {
  /** The image of the release. */
  readonly image: string;
  /** The image the app runs now (its own `image`). */
  readonly runningImage: string;
  /** Whether the release sets env of its own. */
  readonly setsEnv: boolean;
  /** The app's name. */
  readonly appName: string;
  readonly matches: CanaryMatch[];
  readonly versionSticky: boolean;
  /** The props of the release that size a canary of its own (`replicas`, `autoscaling`, `weightTotal`), when set. */
  readonly sizedByRelease: string[];
}

/** What a release asks an engine to run, once its canary is attached to the app's route. */
export interface EngineRelease {
  /** The CanaryRelease: the engine creates its objects in it. */
  readonly scope: Construct;
  readonly check: PropChecker;
  readonly stable: StatelessWebApp;
  /** The app's route with the engine's canary attached (host, path, stickiness, matches). */
  readonly intent: RouteIntent;
  /** The engine part of the route's traffic provider. */
  readonly support: IReleaseEngineSupport;
  /** The canary Service the engine's controller selects the new pods with. */
  readonly canaryServiceName: string;
  /** The new version. */
  readonly image: string;
  readonly matches: CanaryMatch[];
  readonly versionSticky: boolean;
}

/** What an engine rendered for a release. */
export interface EngineOutput {
  /** The object that carries the release (the Rollout, the Canary): the release's `route` returns it. */
  readonly primary: ApiObject;
  /** Every object the engine rendered (the release's risks are annotated on the primary one). */
  readonly objects: ApiObject[];
  /** The engine's own risks and its controller's. */
  readonly risks: RiskDescription[];
  /** What the engine takes over of the app's objects (the app applies it). */
  readonly handover: EngineHandover;
}

/**
 * The implementation side of `IReleaseEngine` (not part of the jsii API: engines are built by `ReleaseEngine`).
 * @internal
 */
export interface EngineImpl extends IReleaseEngine {
  /** True for the GitOps engine: the traffic provider renders the split. */
  readonly gitOps: boolean;
  /** Which engine, for the provider's engine part (none for GitOps). */
  readonly kind?: ReleaseEngineKind;
  /** Whether this commit adopts the engine (its `adopted` option is not set). */
  readonly adopting: boolean;
  /** Refuse what the engine cannot do on any controller; throws ValidationErrors through `check`. */
  checkRelease(check: PropChecker, release: EngineCheck): void;
  /** Render the release; throws ValidationErrors through `release.check`. */
  render(release: EngineRelease): EngineOutput;
}

/** Whether `engine` was built by `ReleaseEngine`. */
export function isEngineImpl(engine: unknown): engine is EngineImpl {
  return typeof engine === 'object' && engine !== null && typeof (engine as EngineImpl).render === 'function' && typeof (engine as EngineImpl).gitOps === 'boolean';
}

/**
 * The commit that adopts an engine runs the image the app runs now, and no env of its own: neither engine analyses
 * the pod template it first sees (`why`), so a new version in that commit would reach every user unanalysed.
 */
export function refuseReleaseWhileAdopting(check: PropChecker, engine: string, r: EngineCheck, why: string, ready: string): void {
  const next = `wait until ${ready}, then pass adopted: true to the engine and set the new version`;
  if (r.image !== r.runningImage) {
    check.fail(
      'image',
      `must be the image the app runs (${r.runningImage}) in the commit that adopts ${engine}: ${why}`,
      r.image,
      `Adopt ${engine} with image "${r.runningImage}", ${next}; if ${engine} already runs the app, pass adopted: true.`,
    );
  }
  if (r.setsEnv) {
    check.fail('env', `must not change the pod template in the commit that adopts ${engine}: ${why}`, 'env', `Adopt ${engine} without env, ${next}.`);
  }
}

/** `ENGINE_ADOPTION_IN_PROGRESS`: what the user does after the commit that adopts an engine. */
export function adoptionRisk(engine: string, appName: string, ready: string, meanwhile: string): RiskDescription {
  return {
    code: EngineRiskCode.ENGINE_ADOPTION_IN_PROGRESS,
    message: `This commit adopts ${engine} for ${appName} with the version that runs now${meanwhile}.`,
    remedy: `Wait until ${ready}, then pass adopted: true to the engine in the next commit; release new versions from then on.`,
  };
}

/** A weight match has no place in an engine's release: the engine moves the weight through its steps. */
export function refuseWeightMatch(check: PropChecker, engine: string, matches: CanaryMatch[]): void {
  const weight = matches.find((m) => m instanceof WeightMatch);
  if (weight) {
    check.fail('match', `may not hold a weight with ${engine} (${engine === 'Argo Rollouts' ? 'the Rollout' : engine} moves the weight through steps)`, weight.describe(), 'Remove CanaryMatch.weight(...) and set steps, e.g. [10, 25, 50].');
  }
}

/** The analysis's queries: the user's, else the ones of the route's controller. */
export function analysisQueries(a: ResolvedAnalysis, controller: EngineMetricQueries): EngineMetricQueries {
  return { successRate: a.successRateQuery ?? controller.successRate, latencyP99: a.latencyP99Query ?? controller.latencyP99 };
}

/** The defaults of an analysis, checked. */
export function resolveAnalysis(check: PropChecker, a: ReleaseAnalysis | undefined): ResolvedAnalysis {
  const minSuccessRatePercent = a?.minSuccessRatePercent ?? 99;
  if (a?.maxLatencyP99 !== undefined && a.maxLatencyP99Ms !== undefined) {
    check.fail('analysis.maxLatencyP99Ms', 'cannot be combined with analysis.maxLatencyP99 (they say the same thing)', a.maxLatencyP99Ms, 'Keep maxLatencyP99 (a Duration) and remove maxLatencyP99Ms.');
  }
  const maxLatencyP99Ms = check.durationMillis('analysis.maxLatencyP99', a?.maxLatencyP99, 'Use e.g. Duration.millis(500).') ?? a?.maxLatencyP99Ms ?? 500;
  const rollbackAfterFailures = a?.rollbackAfterFailures ?? 2;
  if (typeof minSuccessRatePercent !== 'number' || !(minSuccessRatePercent > 0 && minSuccessRatePercent <= 100)) {
    check.fail('analysis.minSuccessRatePercent', 'must be a percentage above 0 and at most 100', minSuccessRatePercent, 'Use e.g. 99 (at most 1% of canary requests may fail).');
  }
  const latencyProp = a?.maxLatencyP99 !== undefined ? 'analysis.maxLatencyP99' : 'analysis.maxLatencyP99Ms';
  check.integer(latencyProp, maxLatencyP99Ms, 1, 600_000, 'Use the p99 latency the new version must stay under, e.g. Duration.millis(500).');
  check.integer('analysis.rollbackAfterFailures', rollbackAfterFailures, 1, 100, 'Use e.g. 2: the release rolls back at the second failed check.');
  const intervalFix = 'Use e.g. Duration.minutes(1): a query window shorter than the scrape interval sees no samples.';
  const intervalMs = check.durationMillis('analysis.interval', a?.interval, intervalFix);
  const intervalSeconds = intervalMs !== undefined ? intervalMs / 1000 : 60;
  if (!Number.isInteger(intervalSeconds) || intervalSeconds < 10) {
    check.fail('analysis.interval', 'must be whole seconds, at least 10 s', `${intervalSeconds}s`, intervalFix);
  }
  for (const [prop, q] of [['analysis.successRateQuery', a?.successRateQuery], ['analysis.latencyP99Query', a?.latencyP99Query]] as const) {
    if (q !== undefined && (typeof q !== 'string' || q.trim() === '')) {
      check.fail(prop, 'must be a PromQL query', q, 'Pass the query as a string, or leave it out for the query of the app\'s traffic provider.');
    }
  }
  return {
    minSuccessRatePercent,
    maxLatencyP99Ms,
    intervalSeconds,
    rollbackAfterFailures,
    successRateQuery: a?.successRateQuery,
    latencyP99Query: a?.latencyP99Query,
  };
}

/**
 * A step pause or interval in whole seconds, at least 1 (the engines' fields are whole seconds); `fallbackSeconds`
 * when it is not set. Goes through `PropChecker.durationMillis`, so a Duration cdk8s cannot convert is a
 * validation error, not a crash.
 */
export function stepSeconds(check: PropChecker, prop: string, value: Duration | undefined, fallbackSeconds: number, fix: string): number {
  const ms = check.durationMillis(prop, value, fix);
  const seconds = ms !== undefined ? ms / 1000 : fallbackSeconds;
  if (!Number.isInteger(seconds) || seconds < 1) {
    check.fail(prop, 'must be whole seconds, at least 1 s', `${seconds}s`, fix);
  }
  return seconds;
}

/** Weight steps in percent: strictly increasing whole numbers from 1 to 100. */
export function checkSteps(check: PropChecker, steps: number[] | undefined, fallback: number[]): number[] {
  const list = steps ?? fallback;
  if (!Array.isArray(list) || list.length === 0) {
    check.fail('steps', 'must list at least one weight', list, 'Use e.g. [10, 25, 50].');
  }
  let previous = 0;
  for (const w of list) {
    if (!Number.isInteger(w) || w < 1 || w > 100 || w <= previous) {
      check.fail('steps', 'must be whole percentages from 1 to 100, each above the one before', list, 'Use e.g. [10, 25, 50]; the engine promotes after the last step.');
    }
    previous = w;
  }
  return [...list];
}

/** A duration as Argo Rollouts and Flagger write it ("90s", "5m", "1h"). */
export function engineDuration(seconds: number): string {
  if (seconds % 3600 === 0) return `${seconds / 3600}h`;
  if (seconds % 60 === 0) return `${seconds / 60}m`;
  return `${seconds}s`;
}

/** The PromQL percentage as written in messages. */
export function percent(n: number): string {
  return `${Math.round(n * 100) / 100} %`;
}

/**
 * `ENGINE_ANALYSIS_AGGREGATE`: the queries add up every canary pod, so one pod failing is diluted by the others.
 * With n canary pods each serving about 1/n of the canary's requests (no affinity), one pod may fail up to
 * n x (100 - X) % of its own requests while the aggregate still meets X %.
 */
export function aggregateRisk(where: string, canaryPods: number, a: ResolvedAnalysis, podAffinity: boolean): RiskDescription {
  const allowed = Math.min(100, canaryPods * (100 - a.minSuccessRatePercent));
  return {
    code: EngineRiskCode.ENGINE_ANALYSIS_AGGREGATE,
    message:
      `${where} checks the success rate and the p99 latency of all canary pods together (up to ${canaryPods}): with requests spread evenly, one of them can fail ` +
      `${percent(allowed)} of its own requests while the aggregate still meets ${percent(a.minSuccessRatePercent)} ` +
      '(in the ride-hailing case study, 2.4% failures on the one hot pod of 6 were 0.4% overall)' +
      (podAffinity ? ', and the route\'s cookie affinity pins users to pods, which makes such a hot pod likelier' : '') +
      '.',
    remedy: "Keep the pods interchangeable (no affinity); if one bad pod must stop the release, pass a successRateQuery over your app's own per-pod metrics (the minimum by pod of its success ratio).",
  };
}
