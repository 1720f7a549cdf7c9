import { PropChecker } from '../prop-checks';
import { ArgoRolloutsEngine, ArgoRolloutsOptions } from './argo-rollouts';
import { EngineImpl, EngineOutput, IReleaseEngine } from './engine-contract';
import { FlaggerEngine, FlaggerOptions } from './flagger';

/**
 * The GitOps engine: the traffic provider renders the split and every step is a commit (the default).
 * @internal
 */
class GitOpsEngine implements EngineImpl {
  public readonly name = 'GitOps (a commit per step)';
  public readonly gitOps = true;
  public readonly adopting = false;
  public checkRelease(): void {}
  public render(): EngineOutput {
    throw new Error('the GitOps engine renders nothing itself: CanaryRelease renders its canary through the traffic provider');
  }
}

/**
 * Who moves the weight of a `CanaryRelease` and rolls it back.
 *
 * - `ReleaseEngine.gitOps()` (the default): every step is a commit; the traffic provider renders the split.
 * - `ReleaseEngine.argoRollouts({...})`: an Argo Rollouts `Rollout` runs the app's Deployment (`workloadRef`),
 *   moves the weight through the traffic routing of the app's traffic provider and rolls back when the
 *   `AnalysisTemplate`'s Prometheus checks fail.
 * - `ReleaseEngine.flagger({...})`: a Flagger `Canary` targets the app's Deployment, copies it to
 *   `<app>-primary`, moves the weight (or runs A/B testing for header and cookie matches) and rolls back on its
 *   `MetricTemplate`s.
 */
export class ReleaseEngine {
  /** Every step is a commit: the traffic provider renders the split (the default). */
  public static gitOps(): IReleaseEngine {
    return new GitOpsEngine();
  }

  /** Argo Rollouts v1.9, through the traffic routing the app's traffic provider gives. */
  public static argoRollouts(options: ArgoRolloutsOptions): IReleaseEngine {
    return new ArgoRolloutsEngine(new PropChecker('ReleaseEngine.argoRollouts'), options);
  }

  /** Flagger v1.44. */
  public static flagger(options: FlaggerOptions): IReleaseEngine {
    return new FlaggerEngine(new PropChecker('ReleaseEngine.flagger'), options);
  }

  private constructor() {}
}
