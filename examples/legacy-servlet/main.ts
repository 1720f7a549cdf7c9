/**
 * The HelloWorldServlet of "Session Affinity and Kubernetes — Proceed With Caution!": a POST stores
 * `lang` in the HttpSession, a GET reads it back. With more than one replica the GET only finds it if
 * it reaches the pod that took the POST.
 *
 * dist/sticky/    the servlet as it is, kept working with cookie affinity: an explicit StickyIngress
 *                 (persistent) with its justification, and the risks it costs, annotated on the Ingress.
 * dist/stateless/ the same servlet migrated: sessions in Redis (Spring Session), no affinity anywhere.
 *
 * They are two alternatives for the same host and path, so they are two Apps: apply one of them.
 */
import * as path from 'path';
import { App, Chart, Duration } from 'cdk8s';
import {
  AffinityMode,
  ITrafficProvider,
  RedisSessionStore,
  RedisTopology,
  SessionEnvPreset,
  StatelessWebApp,
  StickyIngress,
  TrafficProvider,
} from 'cdk8s-stateless';

const HOST = 'hello.example.com';
const PATH = '/helloworld/';

export function buildApps(outdir: string): App[] {
  return [
    ...buildVariant(outdir),
    // the same two apps on Gateway API: one line each (TrafficProvider.useByDefault)
    ...buildVariant(path.join(outdir, 'gateway-api'), TrafficProvider.gatewayApi({ gatewayName: 'public', gatewayNamespace: 'gateways', experimentalFields: true })),
    // and on Traefik
    ...buildVariant(path.join(outdir, 'traefik'), TrafficProvider.traefik({ entryPoints: ['websecure'] })),
  ];
}

function buildVariant(outdir: string, traffic?: ITrafficProvider): App[] {
  // Before: in-memory HttpSession, kept alive by cookie affinity.
  const sticky = new App({ outdir: path.join(outdir, 'sticky') });
  if (traffic) TrafficProvider.useByDefault(sticky, traffic);
  const legacy = new Chart(sticky, 'legacy-servlet', { namespace: 'hello' });
  // No host and path on the app: the StickyIngress owns the route.
  const servlet = new StatelessWebApp(legacy, 'helloworld', {
    name: 'helloworld',
    image: 'registry.example.com/hello/helloworld-servlet:1.0.3',
    port: 8080,
    replicas: 3,
    healthCheckPath: '/helloworld/health',
  });
  new StickyIngress(legacy, 'helloworld-sticky', {
    service: servlet.service,
    host: HOST,
    path: PATH,
    mode: AffinityMode.PERSISTENT,
    justification:
      'HelloWorldServlet keeps "lang" in its in-memory HttpSession; until it moves to Spring Session on Redis (see dist/stateless) ' +
      'every GET must reach the pod that took the POST.',
    cookie: { name: 'HELLOAFFINITY', maxAge: Duration.hours(8) },
  });

  // After: the same servlet with Spring Session on Redis Sentinel; every replica serves every user.
  const stateless = new App({ outdir: path.join(outdir, 'stateless') });
  if (traffic) TrafficProvider.useByDefault(stateless, traffic);
  const migrated = new Chart(stateless, 'helloworld-stateless', { namespace: 'hello' });
  const sessions = new RedisSessionStore(migrated, 'sessions', { name: 'hello-sessions', topology: RedisTopology.SENTINEL });
  new StatelessWebApp(migrated, 'helloworld', {
    name: 'helloworld',
    image: 'registry.example.com/hello/helloworld-servlet:2.0.0',
    port: 8080,
    replicas: 3,
    healthCheckPath: '/helloworld/health',
    host: HOST,
    path: PATH,
    sessionStore: sessions,
    sessionEnvPreset: SessionEnvPreset.SPRING_BOOT,
  });

  return [sticky, stateless];
}

if (require.main === module) {
  buildApps(process.env.CDK8S_OUTDIR ?? 'dist').forEach((app) => app.synth());
}
