import { ApiObject, Duration } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import { PropChecker } from '../prop-checks';
import {
  aggregateRisk,
  analysisQueries,
  checkSteps,
  EngineCheck,
  engineDuration,
  EngineImpl,
  EngineOutput,
  EngineRelease,
  adoptionRisk,
  refuseReleaseWhileAdopting,
  refuseWeightMatch,
  ReleaseAnalysis,
  resolveAnalysis,
  ResolvedAnalysis,
  stepSeconds,
} from './engine-contract';
import { CookieMatch, HeaderMatch, HeaderPatternMatch } from '../traffic/canary-match';
import { EngineRiskCode } from '../traffic/engine-risks';
import { ReleaseEngineKind } from '../traffic/provider-contract';
import { RiskCode, RiskDescription } from '../warnings';
import { LABEL_TRACK, replicaRange } from '../web-app/app-workload';

/**
 * Argo Rollouts v1.9 as the engine of a CanaryRelease. What it relies on, from argoproj/argo-rollouts v1.9.1:
 *
 * - `workloadRef` (docs/migrating.md, "Reference Deployment From Rollout"): the Rollout takes the pod template of
 *   an existing Deployment, so the app's Deployment stays the single source of the pod spec (PSS restricted context,
 *   probes, session binding), and a release is a change of that Deployment's template. `scaleDown: onsuccess`
 *   scales the Deployment to 0 once the Rollout is Healthy, at its first revision only (rollout/sync.go
 *   promoteStable: `revision == 1`); from then on the library renders those 0 replicas.
 * - rollout/sync.go shouldFullPromote: a Rollout without a stable ReplicaSet is an "Initial deploy", promoted at
 *   once without steps or analysis: the commit that adopts the engine keeps the running version.
 * - `canaryService` / `stableService` (docs/features/traffic-management/index.md): "The controller modifies these
 *   Services to route traffic to the appropriate canary and stable ReplicaSets" (it adds the
 *   `rollouts-pod-template-hash` selector, a key the library does not render, so an apply keeps it).
 * - HPA (docs/features/hpa-support.md): the HPA targets the Rollout (`apiVersion: argoproj.io/v1alpha1, kind:
 *   Rollout`) through its `/scale` subresource.
 * - Analysis (docs/features/analysis.md): background analysis from `strategy.canary.analysis.templates`; an arg
 *   `valueFrom.fieldRef` with a `metadata` path is read from the Rollout (rollout/analysis.go:
 *   `fieldpath.ExtractFieldPathAsString(r, arg.ValueFrom.FieldRef.FieldPath)`), so the queries get the namespace;
 *   analysis/analysis.go `assessMetricFailureInconclusiveOrError`: "if result.Failed > failureLimit { phase =
 *   AnalysisPhaseFailed }", so N failures to roll back is `failureLimit: N - 1`; a failed run aborts the rollout
 *   back to stable. Prometheus provider: `provider.prometheus.address` and `query`, `result[0]`.
 * - The traffic routing (`trafficRouting`, header steps) and the metric names are the controller's: the route's
 *   provider gives them (`IReleaseEngineSupport.argoRollouts`, `metricQueries`).
 */

/**
 * Options of `ReleaseEngine.argoRollouts`.
 */
export interface ArgoRolloutsOptions {
  /** Address of the Prometheus that scrapes the traffic controller, e.g. `http://prometheus.monitoring:9090`. */
  readonly prometheusAddress: string;
  /**
   * Canary weights in percent, in order; the Rollout promotes after the last one.
   * @default [10, 25, 50]
   */
  readonly steps?: number[];
  /**
   * How long the Rollout stays at each weight (a `pause` step) while the analysis runs.
   * @default Duration.minutes(5)
   */
  readonly stepPause?: Duration;
  /**
   * The metric checks.
   * @default - success rate at least 99 %, p99 latency at most 500 ms, every minute, rollback at the second failure
   */
  readonly analysis?: ReleaseAnalysis;
  /**
   * Whether Argo Rollouts already runs the app: an earlier commit adopted it with the image the app ran, and the
   * Rollout is Healthy with Deployment `<app>` at 0 pods. Until then the release must keep the app's image and env:
   * Argo Rollouts promotes the first pod template it sees at once, without steps or analysis
   * (rollout/sync.go shouldFullPromote: "Initial deploy").
   * @default false (this commit adopts Argo Rollouts)
   */
  readonly adopted?: boolean;
}

const API_VERSION = 'argoproj.io/v1alpha1';

/** @internal */
export class ArgoRolloutsEngine implements EngineImpl {
  public readonly name = 'Argo Rollouts';
  public readonly gitOps = false;
  public readonly kind = ReleaseEngineKind.ARGO_ROLLOUTS;
  public readonly adopting: boolean;
  private readonly steps: number[];
  private readonly pauseSeconds: number;
  private readonly analysis: ResolvedAnalysis;

  constructor(check: PropChecker, private readonly options: ArgoRolloutsOptions) {
    check.nonBlank('prometheusAddress', options?.prometheusAddress, 'Pass the Prometheus that scrapes your traffic controller, e.g. "http://prometheus.monitoring:9090".');
    if (!/^https?:\/\/\S+$/.test(options.prometheusAddress)) {
      check.fail('prometheusAddress', 'must be an http:// or https:// URL', options.prometheusAddress, 'Use e.g. "http://prometheus.monitoring:9090".');
    }
    this.steps = checkSteps(check, options.steps, [10, 25, 50]);
    this.pauseSeconds = stepSeconds(check, 'stepPause', options.stepPause, 300, 'Use e.g. Duration.minutes(5).');
    this.analysis = resolveAnalysis(check, options.analysis);
    check.boolean('adopted', options.adopted);
    this.adopting = options.adopted !== true;
  }

  public checkRelease(check: PropChecker, r: EngineCheck): void {
    if (this.adopting) {
      // rollout/sync.go shouldFullPromote: `if c.stableRS == nil { return "Initial deploy" }`; rollout/analysis.go
      // reconcileAnalysisRuns cancels every AnalysisRun while status.stableRS is empty
      refuseReleaseWhileAdopting(
        check,
        this.name,
        r,
        'Argo Rollouts promotes the first pod template a Rollout sees at once, without steps or analysis (rollout/sync.go shouldFullPromote: "Initial deploy")',
        ready(r.appName),
      );
    }
    if (r.sizedByRelease.length > 0) {
      check.fail(
        r.sizedByRelease[0],
        'has no meaning with Argo Rollouts (the Rollout runs ceil(replicas x weight) canary pods at each step and moves the weight itself)',
        r.sizedByRelease.join(', '),
        'Remove it; size the app itself (replicas or autoscaling of the StatelessWebApp) and set the weights with steps.',
      );
    }
    refuseWeightMatch(check, this.name, r.matches);
    const headers = r.matches.filter((m) => m instanceof HeaderMatch || m instanceof HeaderPatternMatch);
    const cookies = r.matches.filter((m) => m instanceof CookieMatch);
    if (headers.length > 1 || cookies.length > 1) {
      check.fail('match', 'may hold one header match and one cookie match with Argo Rollouts', r.matches.map((m) => m.describe()), 'Keep one CanaryMatch.header (or .headerPattern) and one CanaryMatch.cookie.');
    }
  }

  public render(r: EngineRelease): EngineOutput {
    const { stable, intent } = r;
    const appName = stable.name;
    const canaryService = r.canaryServiceName;
    const routing = r.support.argoRollouts({ intent, workloadName: appName, canaryServiceName: canaryService });
    const steps: unknown[] = [];
    this.steps.forEach((w, i) => {
      steps.push({ setWeight: w }, ...(i === 0 ? routing.afterFirstWeight : []), { pause: { duration: engineDuration(this.pauseSeconds) } });
    });
    // the canary Service: the same pods as the stable one until the controller adds its hash selector
    const selector = { ...stable.appLabels, [LABEL_TRACK]: 'stable' };
    const service = new k8s.KubeService(r.scope, 'CanaryService', {
      metadata: { name: canaryService, labels: stable.appLabels },
      spec: {
        type: 'ClusterIP',
        selector,
        ports: [{ name: 'http', port: stable.servicePort, targetPort: k8s.IntOrString.fromNumber(stable.port), protocol: 'TCP' }],
      },
    });
    const template = this.analysisTemplate(r);
    const rollout = new ApiObject(r.scope, 'Rollout', {
      apiVersion: API_VERSION,
      kind: 'Rollout',
      metadata: { name: appName, labels: stable.appLabels },
      spec: {
        // with an HPA the HPA owns the count (through the Rollout's /scale subresource)
        replicas: stable._workloadSpec.autoscaling ? undefined : stable._workloadSpec.replicas,
        selector: { matchLabels: selector },
        workloadRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: appName, scaleDown: 'onsuccess' },
        strategy: {
          canary: {
            stableService: appName,
            canaryService,
            trafficRouting: routing.trafficRouting,
            analysis: {
              templates: [{ templateName: canaryService }],
              args: [{ name: 'namespace', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } }],
            },
            steps,
          },
        },
      },
    });
    return {
      primary: rollout,
      objects: [rollout, template, service],
      risks: [...routing.risks, ...this.risks(r).filter((risk) => !routing.risks.some((own) => own.code === risk.code))],
      // the Deployment keeps its replicas while the Rollout starts (scaleDown: onsuccess scales it to 0 once the Rollout
      // is Healthy, rollout/scale_utils.go scaleDeployment); from then on the library renders the 0 Argo Rollouts set
      handover: {
        deploymentReplicas: this.adopting ? undefined : 0,
        autoscalerTarget: { apiVersion: API_VERSION, kind: 'Rollout', name: appName },
        spreadByNameExpression: false,
        serviceTakenOver: false,
        adopting: this.adopting,
      },
    };
  }

  private analysisTemplate(r: EngineRelease): ApiObject {
    const a = this.analysis;
    const q = analysisQueries(
      a,
      r.support.metricQueries({ namespace: '{{args.namespace}}', canaryService: r.canaryServiceName, port: r.stable.servicePort, window: engineDuration(a.intervalSeconds) }),
    );
    return new ApiObject(r.scope, 'AnalysisTemplate', {
      apiVersion: API_VERSION,
      kind: 'AnalysisTemplate',
      metadata: { name: r.canaryServiceName, labels: r.stable.appLabels },
      spec: {
        args: [{ name: 'namespace' }],
        metrics: [
          this.metric('success-rate', q.successRate, `result[0] >= ${a.minSuccessRatePercent}`),
          this.metric('latency-p99', q.latencyP99, `result[0] <= ${a.maxLatencyP99Ms}`),
        ],
      },
    });
  }

  private risks(r: EngineRelease): RiskDescription[] {
    const appName = r.stable.name;
    const canaryService = r.canaryServiceName;
    const risks: RiskDescription[] = [];
    if (r.versionSticky) {
      // the pin is on the version's Service (as the providers' texts of CANARY_STICKY_DRIFT say), and the Rollout
      // keeps one canary Service, which rollout/service.go reconcileStableAndCanaryService points at the newest
      // ReplicaSet: the new version during a release, the stable one (newRS == stableRS) once it is promoted
      risks.push({
        code: RiskCode.CANARY_STICKY_DRIFT,
        message:
          `With version stickiness every user who reaches ${canaryService} is pinned to that Service, which the Rollout keeps for every release: ` +
          'between releases it selects the stable pods, and when the next release starts it selects the new version, so those users get every next canary ' +
          'from its first step, whatever its weight. Within a release the canary\'s real share of users grows above the step weight.',
        remedy: 'Expire the version cookie after each release (a short maxAge on the StickyIngress cookie), and judge the release by the analysis, not by the step weight.',
      });
    }
    const spec = r.stable._workloadSpec;
    if (this.adopting) {
      risks.push(adoptionRisk(this.name, appName, ready(appName), `: Deployment ${appName} keeps its replicas until the Rollout is Healthy (scaleDown: onsuccess, at the Rollout's first revision only)`));
    }
    const lastWeight = this.steps[this.steps.length - 1];
    risks.push(
      {
        code: EngineRiskCode.ENGINE_OWNS_PODS,
        message:
          `Argo Rollouts runs the pods of ${appName}: the Rollout takes the Deployment's pod template (workloadRef) and, at the Rollout's first revision only, ` +
          `scales Deployment ${appName} to 0 once the Rollout is Healthy (scaleDown: onsuccess, rollout/sync.go promoteStable: revision == 1), so once adopted the library renders the Deployment with 0 replicas` +
          `${r.stable.autoscaler ? ' and the HPA targets the Rollout' : ''}. ` +
          'Deleting this CanaryRelease deletes the Rollout and its pods while the Deployment starts from 0.',
        remedy: `To leave Argo Rollouts, scale Deployment ${appName} up and wait until it is ready before the commit that removes the CanaryRelease.`,
      },
      aggregateRisk(`The analysis of ${appName}'s release`, Math.ceil((replicaRange(spec).max * lastWeight) / 100), this.analysis, r.intent.stickiness !== undefined),
    );
    return risks;
  }

  private metric(name: string, query: string, successCondition: string): unknown {
    const a = this.analysis;
    return {
      name,
      interval: engineDuration(a.intervalSeconds),
      // failureLimit failures are tolerated; the next one fails the run
      failureLimit: a.rollbackAfterFailures - 1,
      successCondition,
      provider: { prometheus: { address: this.options.prometheusAddress, query } },
    };
  }
}

function ready(appName: string): string {
  return `\`kubectl argo rollouts status ${appName}\` reports Healthy and Deployment ${appName} runs 0 pods`;
}
