/**
 * The rider API of the ride-hailing case (seed "Session Affinity and Its Cost"), after the fix:
 * no session affinity, sessions in Redis Sentinel, 6 pods that each serve any rider.
 *
 * With cookie affinity the same 6 pods ran at 92% vs 24% CPU and p99 was 2,800 ms (4,800 ms on the
 * hot pod); stateless, CPU sits at 49-52% on every pod and p99 is 890 ms.
 */
import * as path from 'path';
import { App, Chart, ChartProps } from 'cdk8s';
import { RedisSessionStore, RedisTopology, SessionEnvPreset, StatelessWebApp, TrafficProvider } from 'cdk8s-stateless';
import { Construct } from 'constructs';

export class RiderApiChart extends Chart {
  constructor(scope: Construct, id: string, props: ChartProps = {}) {
    super(scope, id, props);

    // One primary, two replicas, three Sentinels (master set "mymaster", quorum 2).
    // Passwords are read from the Secrets "rider-sessions-auth" (the store's internal users) and
    // "rider-sessions.ride-hailing.rider-api" (the rider-api's own ACL user), key "password", which you create.
    const sessions = new RedisSessionStore(this, 'sessions', {
      name: 'rider-sessions',
      topology: RedisTopology.SENTINEL,
    });

    new StatelessWebApp(this, 'rider-api', {
      name: 'rider-api',
      // the seed deploys ":latest"; a GitOps repository pins what it runs
      image: 'ghcr.io/ride-hailing/rider-api:3.14.2',
      port: 8080,
      host: 'api.ridehailing.example',
      path: '/api',
      healthCheckPath: '/actuator/health',
      autoscaling: { minReplicas: 6, maxReplicas: 20, targetCpuUtilizationPercent: 70 },
      sessionStore: sessions,
      // SPRING_DATA_REDIS_SENTINEL_{MASTER,NODES,PASSWORD} (Spring Boot 3.x)
      sessionEnvPreset: SessionEnvPreset.SPRING_BOOT,
    });
  }
}

/**
 * The apps of this example (the tests synthesize them into a temporary directory):
 * dist/ with ingress-nginx, dist/gateway-api/ with Gateway API, dist/traefik/ with Traefik. The migration is the one
 * `TrafficProvider.useByDefault` line.
 */
export function buildApps(outdir: string): App[] {
  const nginx = new App({ outdir });
  new RiderApiChart(nginx, 'rider-api', { namespace: 'ride-hailing' });

  const gateway = new App({ outdir: path.join(outdir, 'gateway-api') });
  TrafficProvider.useByDefault(gateway, TrafficProvider.gatewayApi({ gatewayName: 'public', gatewayNamespace: 'gateways' }));
  new RiderApiChart(gateway, 'rider-api', { namespace: 'ride-hailing' });
  // and on Traefik
  const traefik = new App({ outdir: path.join(outdir, 'traefik') });
  TrafficProvider.useByDefault(traefik, TrafficProvider.traefik({ entryPoints: ['websecure'] }));
  new RiderApiChart(traefik, 'rider-api', { namespace: 'ride-hailing' });
  return [nginx, gateway, traefik];
}

if (require.main === module) {
  buildApps(process.env.CDK8S_OUTDIR ?? 'dist').forEach((app) => app.synth());
}
