/**
 * Deploys the reference session app (server.js, built from the Dockerfile beside this file) the
 * stateless way: 3 replicas, no affinity, sessions in Redis Sentinel through the generic environment
 * (REDIS_SENTINELS, REDIS_SENTINEL_MASTER, REDIS_PASSWORD, REDIS_SENTINEL_PASSWORD, REDIS_TLS).
 *
 * test/session-app-e2e.test.ts runs server.js three times behind a round-robin proxy, on the Redis and
 * Sentinel configuration this chart synthesizes, and kills one instance in the middle of a run.
 */
import * as path from 'path';
import { App, Chart, ChartProps } from 'cdk8s';
import { RedisSessionStore, RedisTopology, StatelessWebApp, TrafficProvider } from 'cdk8s-stateless';
import { Construct } from 'constructs';

export class SessionAppChart extends Chart {
  public readonly app: StatelessWebApp;
  public readonly store: RedisSessionStore;

  constructor(scope: Construct, id: string, props: ChartProps = {}) {
    super(scope, id, props);
    this.store = new RedisSessionStore(this, 'sessions', { name: 'hello-sessions', topology: RedisTopology.SENTINEL });
    this.app = new StatelessWebApp(this, 'session-app', {
      name: 'session-app',
      image: 'registry.example.com/hello/session-app:1.0.0',
      port: 8080,
      replicas: 3,
      healthCheckPath: '/healthz',
      host: 'hello.example.com',
      path: '/',
      sessionStore: this.store,
    });
  }
}

export function buildApps(outdir: string): App[] {
  const nginx = new App({ outdir });
  new SessionAppChart(nginx, 'session-app', { namespace: 'hello' });
  const gateway = new App({ outdir: path.join(outdir, 'gateway-api') });
  TrafficProvider.useByDefault(gateway, TrafficProvider.gatewayApi({ gatewayName: 'public', gatewayNamespace: 'gateways' }));
  new SessionAppChart(gateway, 'session-app', { namespace: 'hello' });
  // and on Traefik
  const traefik = new App({ outdir: path.join(outdir, 'traefik') });
  TrafficProvider.useByDefault(traefik, TrafficProvider.traefik({ entryPoints: ['websecure'] }));
  new SessionAppChart(traefik, 'session-app', { namespace: 'hello' });
  return [nginx, gateway, traefik];
}

if (require.main === module) {
  buildApps(process.env.CDK8S_OUTDIR ?? 'dist').forEach((app) => app.synth());
}
