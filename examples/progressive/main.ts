/**
 * The shop of examples/canary released by a progressive-delivery engine instead of a commit per step: the same
 * app (4 pods, sessions in Redis Sentinel), the same release (1.8.0 -> 1.9.0, `region: east-us` users first),
 * once on Argo Rollouts and once on Flagger, each with ingress-nginx (dist/<engine>/) and Gateway API
 * (dist/gateway-api/<engine>/). See the README, "Progressive delivery: commits, Argo Rollouts or Flagger".
 *
 * With an engine the CanaryRelease stays in the code: its image is the version the engine rolls out. A release is
 * one commit (the new image); the engine moves the weight, checks the analysis and promotes or rolls back.
 *
 * Adopting an engine takes one commit of its own first: the CanaryRelease with the image that runs (1.8.0) and the
 * engine's `adopted` left out, because neither engine analyses the first version it sees. Once the Rollout is
 * Healthy (or the Canary Initialized) the next commit sets `adopted: true`; this file shows the release after that.
 */
import * as path from 'path';
import { App, Chart, ChartProps, Duration } from 'cdk8s';
import {
  AffinityMode,
  CanaryMatch,
  CanaryRelease,
  IReleaseEngine,
  RedisSessionStore,
  RedisTopology,
  ReleaseEngine,
  RiskCode,
  StatelessWebApp,
  StickyIngress,
  TrafficProvider,
} from 'cdk8s-stateless';
import { Construct } from 'constructs';

/** The Prometheus that scrapes the ingress controller or the Gateway. */
const PROMETHEUS = 'http://prometheus.monitoring:9090';

export interface ProgressiveShopProps extends ChartProps {
  /** The image users get when no release runs. */
  readonly stableImage: string;
  /** The image the engine rolls out. */
  readonly releaseImage: string;
  readonly engine: 'argo-rollouts' | 'flagger';
  readonly gatewayApi: boolean;
}

export class ProgressiveShopChart extends Chart {
  constructor(scope: Construct, id: string, props: ProgressiveShopProps) {
    super(scope, id, props);
    const sessions = new RedisSessionStore(this, 'sessions', { name: 'shop-sessions', topology: RedisTopology.SENTINEL });
    const argo = props.engine === 'argo-rollouts';
    const shop = new StatelessWebApp(this, 'shop', {
      name: 'shop',
      image: props.stableImage,
      replicas: 4,
      healthCheckPath: '/healthz',
      sessionStore: sessions,
      // Flagger generates the canary route from the app's own; Argo Rollouts splits the StickyIngress's route
      host: argo ? undefined : 'shop.example.com',
    });
    if (argo) {
      // Argo Rollouts keeps the app's route: version stickiness rides on its affinity cookie, as in examples/canary
      new StickyIngress(this, 'shop-route', {
        service: shop.service,
        host: 'shop.example.com',
        mode: props.gatewayApi ? AffinityMode.PERSISTENT : AffinityMode.BALANCED,
        justification:
          'Version stickiness for canary releases: a user stays on the version they first got. ' +
          'Sessions live in Redis (shop-sessions), so a lost pin costs no session.',
        cookie: { name: 'shop-version', maxAge: Duration.hours(12) },
        acknowledgedRisks: [props.gatewayApi ? RiskCode.AFFINITY_PERSISTENT_NO_REBALANCE : RiskCode.AFFINITY_BALANCED_REPIN],
      });
    }
    const analysis = { minSuccessRatePercent: 99, maxLatencyP99: Duration.millis(500), interval: Duration.minutes(1), rollbackAfterFailures: 2 };
    const engine: IReleaseEngine = argo
      ? ReleaseEngine.argoRollouts({ prometheusAddress: PROMETHEUS, steps: [10, 25, 50], stepPause: Duration.minutes(5), analysis, adopted: true })
      : ReleaseEngine.flagger({ prometheusAddress: PROMETHEUS, stepInterval: Duration.minutes(1), analysis, adopted: true });
    new CanaryRelease(this, 'shop-canary', {
      stable: shop,
      image: props.releaseImage,
      engine,
      // Flagger on Gateway API: a weighted release with its version cookie (Flagger runs header matches as an
      // A/B test without weights, and keeps a session-affinity cookie only for weighted releases)
      match: !argo && props.gatewayApi ? [] : [CanaryMatch.header('region', 'east-us')],
      versionStickiness: argo || props.gatewayApi,
    });
  }
}

/** What runs now, and what the engine rolls out: a release is a commit to RELEASE_IMAGE. */
export const STABLE_IMAGE = 'ghcr.io/acme/shop:1.8.0';
export const RELEASE_IMAGE = 'ghcr.io/acme/shop:1.9.0';

/** dist/<engine>/ with ingress-nginx; dist/gateway-api/<engine>/ with Gateway API. */
export function buildApps(outdir: string): App[] {
  const apps: App[] = [];
  for (const gatewayApi of [false, true]) {
    for (const engine of ['argo-rollouts', 'flagger'] as const) {
      const app = new App({ outdir: path.join(outdir, ...(gatewayApi ? ['gateway-api'] : []), engine) });
      if (gatewayApi) {
        TrafficProvider.useByDefault(app, TrafficProvider.gatewayApi({ gatewayName: 'public', gatewayNamespace: 'gateways', experimentalFields: engine === 'argo-rollouts' }));
      }
      new ProgressiveShopChart(app, 'shop', { namespace: 'shop', stableImage: STABLE_IMAGE, releaseImage: RELEASE_IMAGE, engine, gatewayApi });
      apps.push(app);
    }
  }
  return apps;
}

if (require.main === module) {
  buildApps(process.env.CDK8S_OUTDIR ?? 'dist').forEach((app) => app.synth());
}
