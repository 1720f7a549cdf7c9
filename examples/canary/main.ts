/**
 * The canary scenario of "Sticky sessions and canary releases in Kubernetes": requests with the header
 * `region: east-us` go to the new version, every other user new to the release has a 20% chance of getting it,
 * and a user stays on the version the split gave them for the rest of the release (ingress-nginx: cookie affinity
 * on the stable route and affinity-canary-behavior: sticky on the canary). A user whose affinity cookie predates
 * the release is pinned to stable and never reaches the split; in balanced mode a canary user's cookie outlives the
 * canary (INGRESS_NGINX_BALANCED_ROLLBACK_KEEPS_COOKIE), which the 12-hour max-age bounds.
 *
 * The shop is stateless: sessions live in Redis Sentinel and both versions read them, so the affinity here
 * only pins a user to a version, not their session to a pod.
 *
 * The release is a sequence of one-line commits to RELEASE below; see the README ("A release as a sequence
 * of commits").
 */
import * as path from 'path';
import { App, Chart, ChartProps, Duration } from 'cdk8s';
import {
  AffinityMode,
  CanaryMatch,
  CanaryRelease,
  RedisSessionStore,
  RedisTopology,
  RiskCode,
  StatelessWebApp,
  StickyIngress,
  TrafficProvider,
} from 'cdk8s-stateless';
import { Construct } from 'constructs';

export interface ShopRelease {
  /** The image of the version being released. */
  readonly image: string;
  /** Its weight, out of 100, for users without the east-us header. */
  readonly weight: number;
}

export interface ShopChartProps extends ChartProps {
  /** The image every user gets outside the canary. */
  readonly stableImage: string;
  /** The release in progress, if any. */
  readonly release?: ShopRelease;
  /**
   * Affinity mode of the stable route. Gateway API sessionPersistence only has PERSISTENT semantics.
   * @default AffinityMode.BALANCED
   */
  readonly stickyMode?: AffinityMode;
}

export class ShopChart extends Chart {
  constructor(scope: Construct, id: string, props: ShopChartProps) {
    super(scope, id, props);
    const sessions = new RedisSessionStore(this, 'sessions', { name: 'shop-sessions', topology: RedisTopology.SENTINEL });
    const shop = new StatelessWebApp(this, 'shop', {
      name: 'shop',
      image: props.stableImage,
      replicas: 4,
      healthCheckPath: '/healthz',
      sessionStore: sessions,
    });
    // The stable route is sticky only to keep users on one version during releases.
    const stickyMode = props.stickyMode ?? AffinityMode.BALANCED;
    new StickyIngress(this, 'shop-route', {
      service: shop.service,
      host: 'shop.example.com',
      mode: stickyMode,
      justification:
        'Version stickiness for canary releases: a user the split sends to a version stays on it for the release. ' +
        'Sessions live in Redis (shop-sessions), so a lost pin costs no session.',
      cookie: { name: 'shop-version', maxAge: Duration.hours(12) },
      // acknowledge only the risk of the mode in use: an acknowledgement that matches no risk fails the synth
      acknowledgedRisks: [stickyMode === AffinityMode.BALANCED ? RiskCode.AFFINITY_BALANCED_REPIN : RiskCode.AFFINITY_PERSISTENT_NO_REBALANCE],
    });
    if (props.release) {
      new CanaryRelease(this, 'shop-canary', {
        stable: shop,
        image: props.release.image,
        match: [CanaryMatch.header('region', 'east-us'), CanaryMatch.weight(props.release.weight)],
        versionStickiness: true,
      });
    }
  }
}

/** What is deployed now: the commit history of a release changes only this. */
export const STABLE_IMAGE = 'ghcr.io/acme/shop:1.8.0';
export const RELEASE: ShopRelease | undefined = { image: 'ghcr.io/acme/shop:1.9.0', weight: 20 };

/** dist/ with ingress-nginx; dist/gateway-api/ with Gateway API (experimental channel, for sessionPersistence); dist/traefik/ with Traefik. */
export function buildApps(outdir: string): App[] {
  const nginx = new App({ outdir });
  new ShopChart(nginx, 'shop', { namespace: 'shop', stableImage: STABLE_IMAGE, release: RELEASE });

  const gateway = new App({ outdir: path.join(outdir, 'gateway-api') });
  TrafficProvider.useByDefault(gateway, TrafficProvider.gatewayApi({ gatewayName: 'public', gatewayNamespace: 'gateways', experimentalFields: true }));
  new ShopChart(gateway, 'shop', { namespace: 'shop', stableImage: STABLE_IMAGE, release: RELEASE, stickyMode: AffinityMode.PERSISTENT });

  // the same chart on Traefik (PERSISTENT: Traefik's sticky cookie never rebalances either)
  const traefik = new App({ outdir: path.join(outdir, 'traefik') });
  TrafficProvider.useByDefault(traefik, TrafficProvider.traefik({ entryPoints: ['websecure'] }));
  new ShopChart(traefik, 'shop', { namespace: 'shop', stableImage: STABLE_IMAGE, release: RELEASE, stickyMode: AffinityMode.PERSISTENT });
  return [nginx, gateway, traefik];
}

if (require.main === module) {
  buildApps(process.env.CDK8S_OUTDIR ?? 'dist').forEach((app) => app.synth());
}
