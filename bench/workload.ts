/**
 * The two workloads the benchmark compares: N StatelessWebApps bound to one RedisSessionStore, and the
 * same objects written by hand with cdk8s-plus-27 and plain cdk8s. Each returns the YAML text.
 */
import { App, Chart, Duration, JsonPatch, ApiObject, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { RedisSessionStore, StatelessWebApp, RiskCode } from '../src';

const k8s = kplus.k8s;

export function synthLibrary(n: number): string {
  const app = new App();
  const chart = new Chart(app, 'bench', { namespace: 'bench' });
  const store = new RedisSessionStore(chart, 'sessions', { name: 'sessions', acknowledgedRisks: [RiskCode.STORE_SINGLE_POINT_OF_FAILURE] });
  for (let i = 0; i < n; i++) {
    new StatelessWebApp(chart, `app-${i}`, {
      name: `app-${i}`,
      image: `registry.example.com/team/app-${i}:1.0.0`,
      host: `app-${i}.example.com`,
      path: '/',
      healthCheckPath: '/healthz',
      autoscaling: { minReplicas: 2, maxReplicas: 10, targetCpuUtilizationPercent: 70 },
      sessionStore: store,
    });
  }
  return app.synthYaml();
}

/** The same objects, written by hand: what a careful user would write without this library. */
export function synthHandWritten(n: number): string {
  const app = new App();
  const chart = new Chart(app, 'bench', { namespace: 'bench' });
  handWrittenStore(chart);
  const secret = kplus.Secret.fromSecretName(chart, 'sessions-auth', 'sessions-auth');
  for (let i = 0; i < n; i++) {
    const name = `app-${i}`;
    const appLabels = { 'app.kubernetes.io/name': name, 'app.kubernetes.io/component': 'web' };
    const selector = { ...appLabels, 'stateless.cdk8s.io/track': 'stable' };
    const deployment = new kplus.Deployment(chart, `${name}-deployment`, {
      metadata: { name, labels: appLabels },
      podMetadata: { labels: { ...selector, 'stateless.cdk8s.io/session-client': 'sessions' } },
      select: false,
      spread: false,
      strategy: kplus.DeploymentStrategy.rollingUpdate({
        maxSurge: kplus.PercentOrAbsolute.percent(25),
        maxUnavailable: kplus.PercentOrAbsolute.absolute(0),
      }),
      automountServiceAccountToken: false,
      securityContext: { ensureNonRoot: true, user: 10001, group: 10001, fsGroup: 10001 },
    });
    deployment.select(kplus.LabelSelector.of({ labels: selector }));
    const probe = (periodSeconds: number, failureThreshold: number) =>
      kplus.Probe.fromHttpGet('/healthz', { port: 8080, periodSeconds: Duration.seconds(periodSeconds), failureThreshold, timeoutSeconds: Duration.seconds(2) });
    const container = deployment.addContainer({
      name: 'app',
      image: `registry.example.com/team/${name}:1.0.0`,
      ports: [{ number: 8080, name: 'http' }],
      resources: {
        cpu: { request: kplus.Cpu.millis(500), limit: kplus.Cpu.millis(1000) },
        memory: { request: Size.mebibytes(512), limit: Size.gibibytes(1) },
      },
      securityContext: {
        ensureNonRoot: true,
        privileged: false,
        readOnlyRootFilesystem: true,
        allowPrivilegeEscalation: false,
        user: 10001,
        group: 10001,
      },
      startup: probe(5, 30),
      readiness: probe(5, 3),
      liveness: probe(10, 3),
      envVariables: {
        REDIS_URL: kplus.EnvValue.fromValue('redis://sessions.bench.svc.cluster.local:6379'),
        REDIS_HOST: kplus.EnvValue.fromValue('sessions.bench.svc.cluster.local'),
        REDIS_PORT: kplus.EnvValue.fromValue('6379'),
        REDIS_PASSWORD: kplus.EnvValue.fromSecretValue({ secret, key: 'password' }),
        REDIS_TLS: kplus.EnvValue.fromValue('false'),
      },
    });
    container.mount('/tmp', kplus.Volume.fromEmptyDir(chart, `${name}-tmp`, 'tmp', { sizeLimit: Size.mebibytes(256) }));
    ApiObject.of(deployment).addJsonPatch(
      JsonPatch.add('/spec/template/spec/securityContext/seccompProfile', { type: 'RuntimeDefault' }),
      JsonPatch.add('/spec/template/spec/containers/0/securityContext/capabilities', { drop: ['ALL'] }),
      JsonPatch.add('/spec/template/spec/topologySpreadConstraints', ['kubernetes.io/hostname', 'topology.kubernetes.io/zone'].map((topologyKey) => ({
        maxSkew: 1, topologyKey, whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: selector }, matchLabelKeys: ['pod-template-hash'],
      }))),
    );
    const service = new kplus.Service(chart, `${name}-service`, {
      metadata: { name, labels: appLabels },
      type: kplus.ServiceType.CLUSTER_IP,
      ports: [{ name: 'http', port: 80, targetPort: 8080 }],
    });
    for (const [key, value] of Object.entries(selector)) service.selectLabel(key, value);
    new kplus.HorizontalPodAutoscaler(chart, `${name}-hpa`, {
      metadata: { name, labels: appLabels },
      target: deployment,
      minReplicas: 2,
      maxReplicas: 10,
      metrics: [kplus.Metric.resourceCpu(kplus.MetricTarget.averageUtilization(70))],
    });
    new k8s.KubeIngress(chart, `${name}-ingress`, {
      metadata: { name, labels: appLabels },
      spec: {
        ingressClassName: 'nginx',
        rules: [{ host: `${name}.example.com`, http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name, port: { number: 80 } } } }] } }],
      },
    });
    new k8s.KubePodDisruptionBudget(chart, `${name}-pdb`, {
      metadata: { name, labels: appLabels },
      spec: { maxUnavailable: k8s.IntOrString.fromNumber(1), unhealthyPodEvictionPolicy: 'AlwaysAllow', selector: { matchLabels: appLabels } },
    });
  }
  return app.synthYaml();
}

function handWrittenStore(chart: Chart): void {
  const labels = { 'app.kubernetes.io/name': 'sessions', 'stateless.cdk8s.io/session-store': 'sessions', 'app.kubernetes.io/component': 'redis' };
  new k8s.KubeConfigMap(chart, 'sessions-config', {
    metadata: { name: 'sessions-config', labels },
    data: { 'redis.conf': 'appendonly yes\nappendfsync everysec\n' },
  });
  for (const [id, headless] of [['sessions-headless', true], ['sessions', false]] as const) {
    new k8s.KubeService(chart, id, {
      metadata: { name: id, labels },
      spec: { clusterIp: headless ? 'None' : undefined, selector: labels, ports: [{ name: 'redis', port: 6379, targetPort: k8s.IntOrString.fromNumber(6379) }] },
    });
  }
  new k8s.KubeStatefulSet(chart, 'sessions-sts', {
    metadata: { name: 'sessions', labels },
    spec: {
      serviceName: 'sessions-headless',
      replicas: 1,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: {
          containers: [
            {
              name: 'redis',
              image: 'docker.io/valkey/valkey:8.1.10',
              command: ['sh', '/etc/redis/start-redis.sh'],
              env: [{ name: 'REDIS_PASSWORD', valueFrom: { secretKeyRef: { name: 'sessions-auth', key: 'password' } } }],
              ports: [{ name: 'redis', containerPort: 6379 }],
            },
          ],
        },
      },
      volumeClaimTemplates: [
        { metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: k8s.Quantity.fromString('1Gi') } } } },
      ],
    },
  });
  new k8s.KubeNetworkPolicy(chart, 'sessions-np', {
    metadata: { name: 'sessions', labels },
    spec: {
      podSelector: { matchLabels: { 'stateless.cdk8s.io/session-store': 'sessions' } },
      policyTypes: ['Ingress'],
      ingress: [
        {
          from: [
            { podSelector: { matchLabels: { 'stateless.cdk8s.io/session-store': 'sessions' } } },
            { podSelector: { matchLabels: { 'stateless.cdk8s.io/session-client': 'sessions' } } },
          ],
          ports: [{ protocol: 'TCP', port: k8s.IntOrString.fromNumber(6379) }],
        },
      ],
    },
  });
}

/** kind -> count, from YAML text, for the honesty check. */
export function kindCounts(yaml: string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const m of yaml.matchAll(/^kind: (\w+)$/gm)) counts[m[1]] = (counts[m[1]] ?? 0) + 1;
  return counts;
}
