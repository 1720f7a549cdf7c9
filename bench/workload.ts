/**
 * The two workloads the benchmark compares: N StatelessWebApps bound to one RedisSessionStore, and the
 * same objects written by hand with cdk8s-plus-27 and plain cdk8s. Each returns the YAML text.
 */
import { createHash } from 'crypto';
import { App, Chart, Duration, JsonPatch, ApiObject, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { AffinityMode, CanaryMatch, CanaryRelease, IngressNginxRiskCode, RedisSessionStore, RiskCode, StatelessWebApp, StickyIngress } from '../src';

const k8s = kplus.k8s;

/** The shapes the benchmark measures: how users lay out their apps. */
export const SHAPES = ['one-chart', 'chart-per-app', 'mix'] as const;
export type Shape = (typeof SHAPES)[number];

/** In the mix, every tenth app has a CanaryRelease and every twentieth (another one) a StickyIngress. */
export const isCanary = (i: number) => i % 10 === 3;
export const isSticky = (i: number) => i % 20 === 7;

export function synthLibrary(n: number, shape: Shape = 'one-chart'): string {
  const app = new App();
  const main = new Chart(app, 'bench', { namespace: 'bench' });
  const store = new RedisSessionStore(main, 'sessions', { name: 'sessions', acknowledgedRisks: [RiskCode.STORE_SINGLE_POINT_OF_FAILURE] });
  for (let i = 0; i < n; i++) {
    const name = `app-${i}`;
    const chart = shape === 'chart-per-app' ? new Chart(app, name, { namespace: 'bench' }) : main;
    const sticky = shape === 'mix' && isSticky(i);
    const web = new StatelessWebApp(chart, name, {
      name,
      image: `registry.example.com/team/${name}:1.0.0`,
      // a StickyIngress routes its app: the app itself then has no host and path
      host: sticky ? undefined : `${name}.example.com`,
      path: sticky ? undefined : '/',
      healthCheckPath: '/healthz',
      autoscaling: { minReplicas: 2, maxReplicas: 10, targetCpuUtilizationPercent: 70 },
      sessionStore: store,
    });
    if (shape === 'mix' && isCanary(i)) {
      new CanaryRelease(chart, `${name}-canary`, {
        stable: web,
        image: `registry.example.com/team/${name}:1.1.0`,
        match: [CanaryMatch.weight(10)],
        releaseId: 'v1-1',
        acknowledgedRisks: [RiskCode.CANARY_SHARED_SESSIONS, IngressNginxRiskCode.INGRESS_NGINX_RETIRED],
      });
    }
    if (sticky) {
      new StickyIngress(chart, `${name}-sticky`, {
        service: web.service,
        host: `${name}.example.com`,
        path: '/',
        mode: AffinityMode.BALANCED,
        justification: 'the session store holds the sessions; affinity only keeps caches warm',
        acknowledgedRisks: [
          RiskCode.AFFINITY_UNEVEN_LOAD,
          RiskCode.AFFINITY_HPA_BLINDNESS,
          RiskCode.AFFINITY_BALANCED_REPIN,
          RiskCode.AFFINITY_SECURE_COOKIE_WITHOUT_TLS,
          IngressNginxRiskCode.INGRESS_NGINX_RETIRED,
        ],
      });
    }
  }
  return app.synthYaml();
}

/**
 * The same objects, written by hand: what a careful user would write without this library, object for object in
 * the same order and under the same construct paths (cdk8s-plus derives a label from the path), with the same
 * fields, down to the per-app ACL user and Secret and the store's list of app users.
 */
export function synthHandWritten(n: number, shape: Shape = 'one-chart'): string {
  const app = new App();
  const main = new Chart(app, 'bench', { namespace: 'bench' });
  handWrittenStore(main, n);
  for (let i = 0; i < n; i++) {
    const name = `app-${i}`;
    const chart = shape === 'chart-per-app' ? new Chart(app, name, { namespace: 'bench' }) : main;
    const sticky = shape === 'mix' && isSticky(i);
    const scope = new Construct(chart, name);
    const labels = { 'app.kubernetes.io/name': name, 'app.kubernetes.io/component': 'web' };
    handWrittenWorkload(chart, scope, name, name, 'stable', `registry.example.com/team/${name}:1.0.0`, true);
    if (!sticky) handWrittenIngress(scope, 'Ingress', name, name, labels, {});
    new k8s.KubePodDisruptionBudget(scope, 'DisruptionBudget', {
      metadata: { name, labels },
      spec: { maxUnavailable: k8s.IntOrString.fromNumber(1), unhealthyPodEvictionPolicy: 'AlwaysAllow', selector: { matchLabels: labels } },
    });
    if (shape === 'mix' && isCanary(i)) handWrittenCanary(chart, name, labels);
    if (sticky) handWrittenSticky(chart, name, labels);
  }
  return app.synthYaml();
}

/** A Deployment, its Service and (for the stable track) its HPA, as StatelessWebApp writes them. */
function handWrittenWorkload(chart: Chart, scope: Construct, app: string, name: string, track: string, image: string, autoscaled: boolean): void {
  const appLabels = { 'app.kubernetes.io/name': app, 'app.kubernetes.io/component': 'web' };
  const selector = { ...appLabels, 'stateless.cdk8s.io/track': track };
  const deployment = new kplus.Deployment(scope, 'Deployment', {
    metadata: { name, labels: appLabels },
    podMetadata: { labels: { ...selector, 'stateless.cdk8s.io/session-client': 'sessions' } },
    replicas: autoscaled ? undefined : 1,
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
  const secret = kplus.Secret.fromSecretName(scope, 'SessionPassword', `sessions.bench.${app}`);
  const container = deployment.addContainer({
    name: 'app',
    image,
    imagePullPolicy: kplus.ImagePullPolicy.IF_NOT_PRESENT,
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
      REDIS_USERNAME: kplus.EnvValue.fromValue(`app.bench.${app}`),
      REDIS_PASSWORD: kplus.EnvValue.fromSecretValue({ secret, key: 'password' }),
      REDIS_TLS: kplus.EnvValue.fromValue('false'),
      REDIS_KEY_PREFIX: kplus.EnvValue.fromValue(`bench.${app}:`),
    },
  });
  container.mount('/tmp', kplus.Volume.fromEmptyDir(scope, 'tmp', 'tmp', { sizeLimit: Size.mebibytes(256) }));
  ApiObject.of(deployment).addJsonPatch(
    JsonPatch.add('/spec/template/spec/securityContext/seccompProfile', { type: 'RuntimeDefault' }),
    JsonPatch.add('/spec/template/spec/containers/0/securityContext/capabilities', { drop: ['ALL'] }),
    JsonPatch.add('/spec/template/spec/topologySpreadConstraints', ['kubernetes.io/hostname', 'topology.kubernetes.io/zone'].map((topologyKey) => ({
      maxSkew: 1, topologyKey, whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: selector }, matchLabelKeys: ['pod-template-hash'],
    }))),
  );
  const service = new kplus.Service(scope, 'Service', {
    metadata: { name, labels: appLabels },
    type: kplus.ServiceType.CLUSTER_IP,
    ports: [{ name: 'http', port: 80, targetPort: 8080 }],
  });
  for (const [key, value] of Object.entries(selector)) service.selectLabel(key, value);
  if (autoscaled) {
    new kplus.HorizontalPodAutoscaler(scope, 'Autoscaler', {
      metadata: { name, labels: appLabels },
      target: deployment,
      minReplicas: 2,
      maxReplicas: 10,
      metrics: [kplus.Metric.resourceCpu(kplus.MetricTarget.averageUtilization(70))],
    });
  }
  void chart;
}

function handWrittenIngress(
  scope: Construct,
  id: string,
  name: string,
  service: string,
  labels: Record<string, string>,
  annotations: Record<string, string>,
): void {
  new k8s.KubeIngress(scope, id, {
    metadata: { name, labels, annotations: Object.keys(annotations).length > 0 ? annotations : undefined },
    spec: {
      ingressClassName: 'nginx',
      rules: [{ host: `${labels['app.kubernetes.io/name']}.example.com`, http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: service, port: { number: 80 } } } }] } }],
    },
  });
}

const RISK = 'risks.stateless.cdk8s.io/';

/** The canary's Deployment and Service, and its canary Ingress with the weight and the risks of the release. */
function handWrittenCanary(chart: Chart, app: string, labels: Record<string, string>): void {
  const scope = new Construct(chart, `${app}-canary`);
  const name = `${app}-canary-v1-1`;
  handWrittenWorkload(chart, scope, app, name, 'canary', `registry.example.com/team/${app}:1.1.0`, false);
  handWrittenIngress(scope, 'Ingress', `${app}-canary`, name, labels, {
    'nginx.ingress.kubernetes.io/canary': 'true',
    'nginx.ingress.kubernetes.io/canary-weight': '10',
    'nginx.ingress.kubernetes.io/canary-weight-total': '100',
    [`${RISK}acknowledged`]: 'CANARY_SHARED_SESSIONS,INGRESS_NGINX_RETIRED',
    [`${RISK}canary-shared-sessions`]:
      `${app} (registry.example.com/team/${app}:1.0.0) and ${name} (registry.example.com/team/${app}:1.1.0) share the session store sessions.bench.svc.cluster.local: ` +
      'a user who crosses versions (an unpinned request, a rollback, the promotion) keeps the session only if each version reads what the other wrote. ' +
      'Instead: Keep the session format backward and forward compatible for one release (add fields, never rename or remove them), or version the session key prefix.',
    [`${RISK}ingress-nginx-retired`]:
      `CanaryRelease 'bench/${app}-canary' relies on ingress-nginx canary annotations; ingress-nginx was retired in March 2026 (no releases, no security fixes), ` +
      'and its migration tool ingress2gateway converts only its weight and header canaries. Instead: Plan the move to a Gateway API implementation (HTTPRoute weighted backendRefs and header matches).',
  });
}

/** The app's Ingress with cookie affinity, its justification and the risks the StickyIngress reports. */
function handWrittenSticky(chart: Chart, app: string, labels: Record<string, string>): void {
  const scope = new Construct(chart, `${app}-sticky`);
  const store = `${app} already keeps its sessions in a session store, so the affinity only serves keeping users on one version during a CanaryRelease: ` +
    'keep it for the release if you need that (and acknowledge this risk), and route without affinity once the release is over.';
  handWrittenIngress(scope, 'Ingress', app, app, labels, {
    'nginx.ingress.kubernetes.io/affinity': 'cookie',
    'nginx.ingress.kubernetes.io/affinity-mode': 'balanced',
    'nginx.ingress.kubernetes.io/session-cookie-change-on-failure': 'true',
    'nginx.ingress.kubernetes.io/session-cookie-name': 'INGRESSCOOKIE',
    'nginx.ingress.kubernetes.io/session-cookie-samesite': 'Lax',
    'nginx.ingress.kubernetes.io/session-cookie-secure': 'true',
    [`${RISK}acknowledged`]: 'AFFINITY_BALANCED_REPIN,AFFINITY_HPA_BLINDNESS,AFFINITY_SECURE_COOKIE_WITHOUT_TLS,AFFINITY_UNEVEN_LOAD,INGRESS_NGINX_RETIRED',
    [`${RISK}affinity-balanced-repin`]:
      `balanced mode rebalances on scale-up: scaling ${app} from 2 to 10 pods re-pins about (10-2)/10 = 80% of users to another pod, and each of them arrives at a cold pod (the session itself is safe in the store). Instead: ${store}`,
    [`${RISK}affinity-hpa-blindness`]:
      `The HPA scales ${app} on average CPU (target 70%) across 2-10 pods, but affinity makes one pod hot while others idle: in the ride-hailing case study the hottest pod hit 95% and dropped requests while the average was 53%, below the 70% target, so nothing scaled. ` +
      `Instead: Remove the affinity so the average is honest (the case study: 52%-49% on every pod), or scale on a per-pod signal such as p99 latency. ${store}`,
    [`${RISK}affinity-secure-cookie-without-tls`]:
      `The affinity cookie of ${app} is Secure (cookie.secure, true by default) and the Ingress ${app} has no TLS (no tlsSecretName): a browser sends a Secure cookie back only over HTTPS, so a user who reaches ${app}.example.com over plain HTTP gets no pin, every request is balanced afresh, and stickiness silently does nothing. ` +
      'Instead: Set tlsSecretName so the route serves HTTPS. If TLS ends in front of the controller (a cloud load balancer) and users only reach https://, acknowledge this risk. To keep the pin over plain HTTP as well, set cookie.secure to false: ingress-nginx then marks the cookie Secure exactly when the request reached it over HTTPS.',
    [`${RISK}affinity-uneven-load`]:
      `Cookie affinity pins each user of ${app} to one of 2-10 pods by a hash, not by load; power users stay where the hash put them: in the 6-pod ride-hailing case study pods ran at 92% vs 24% CPU and p99 was 4,800 ms on the hot pod vs 1,200 ms on the coolest (2,800 ms overall; without affinity 890 ms and 52%-49% CPU). Instead: ${store}`,
    [`${RISK}ingress-nginx-retired`]:
      `StickyIngress 'bench/${app}-sticky' relies on ingress-nginx cookie-affinity annotations; ingress-nginx was retired in March 2026 (no releases, no security fixes), and its migration tool ingress2gateway drops session affinity. ` +
      'Instead: Plan the move to a Gateway API implementation (HTTPRoute sessionPersistence), or remove the need for affinity with a RedisSessionStore.',
    'stateless.cdk8s.io/affinity-justification': 'the session store holds the sessions; affinity only keeps caches warm',
  });
}

/** The store, and (what grows with the apps) one ACL user and optional password Secret per bound app. */
function handWrittenStore(chart: Chart, n: number): void {
  // the store's identity of each bound app: user app.<namespace>.<app>, key prefix <namespace>.<app>:, Secret
  // <store>.<namespace>.<app> (with the key for a rotation's alternate password)
  const users = Array.from({ length: n }, (_, i) => `app-${i}`).sort((a, b) => `app.bench.${a}`.localeCompare(`app.bench.${b}`));
  const appEnv = [
    { name: 'APP_USERS', value: users.map((a) => `app.bench.${a}=bench.${a}:`).join(' ') },
    ...users.flatMap((a, i) => [
      { name: `APP_PASSWORD_${i}`, valueFrom: { secretKeyRef: { name: `sessions.bench.${a}`, key: 'password', optional: true } } },
      { name: `APP_PASSWORD_ALTERNATE_${i}`, valueFrom: { secretKeyRef: { name: `sessions.bench.${a}`, key: 'password-alternate', optional: true } } },
    ]),
  ];
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
              env: [{ name: 'REDIS_PASSWORD', valueFrom: { secretKeyRef: { name: 'sessions-auth', key: 'password' } } }, ...appEnv],
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

/**
 * A hash of every object but the session store's own (a fixed cost, written by hand in a shorter form), and of
 * the store's lines per bound app (its ACL users and their Secrets): everything that grows with the number of apps
 * must be byte-identical in both versions.
 */
export function appObjectsHash(yaml: string): string {
  const docs = yaml.split(/^---$/m);
  const isStore = (d: string) => /^ {2}name: sessions(-config|-headless)?$/m.test(d.split(/^spec:$/m)[0]);
  const perApp = docs.filter(isStore).flatMap((d) => d.split('\n').filter((line) => /^ +(- )?(name: (APP_USERS|APP_PASSWORD_\d+|sessions-app-)|value: "?app-app-)/.test(line)));
  return createHash('sha256')
    .update(docs.filter((d) => !isStore(d)).join('---'))
    .update(perApp.join('\n'))
    .digest('hex')
    .slice(0, 16);
}
