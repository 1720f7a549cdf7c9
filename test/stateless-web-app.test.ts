import { ApiObject, Chart, Size, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { RiskCode, SessionEnvPreset, SessionStore, StatelessWebApp, StatelessWebAppProps, TrafficProvider } from '../src';
import { lintViolations, podSecurityViolations } from './support/policy';
import { newChart, only, ofKind, schemaErrors, synth, synthYaml } from './support/synth';

const IMAGE = 'ghcr.io/acme/web:1.4.2';

function build(props: Partial<StatelessWebAppProps> = {}) {
  const chart = newChart('shop');
  const app = new StatelessWebApp(chart, 'web', { name: 'web', image: IMAGE, host: 'shop.example.com', ...props });
  return { chart, app, objects: synth(chart) };
}

describe('StatelessWebApp defaults', () => {
  const { chart, objects } = build({ healthCheckPath: '/healthz' });
  const deployment = only(objects, 'Deployment');
  const pod = deployment.spec.template.spec;
  const container = pod.containers[0];

  test('YAML snapshot', () => {
    expect(synthYaml(chart)).toMatchSnapshot();
  });

  test('Deployment: 2 replicas, a rolling update that never drops below the desired count', () => {
    expect(deployment.spec.replicas).toBe(2);
    expect(deployment.spec.strategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: 0 } });
  });

  test('container: image, port 8080, requests and limits from the seed', () => {
    expect(container.image).toBe(IMAGE);
    expect(container.imagePullPolicy).toBe('IfNotPresent');
    expect(container.ports).toEqual([{ containerPort: 8080, name: 'http' }]);
    expect(container.resources).toEqual({ requests: { cpu: '500m', memory: '512Mi' }, limits: { cpu: '1000m', memory: '1024Mi' } });
  });

  test('HTTP readiness, liveness and startup probes on healthCheckPath', () => {
    for (const probe of ['readinessProbe', 'livenessProbe', 'startupProbe']) {
      expect(container[probe].httpGet).toEqual({ path: '/healthz', port: 8080, scheme: 'HTTP' });
    }
  });

  test('Pod Security Standards restricted, read-only root with a writable /tmp', () => {
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 10001, seccompProfile: { type: 'RuntimeDefault' } });
    expect(container.securityContext).toMatchObject({
      runAsNonRoot: true,
      allowPrivilegeEscalation: false,
      privileged: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    });
    expect(container.volumeMounts).toEqual([{ mountPath: '/tmp', name: 'tmp' }]);
    expect(pod.volumes).toEqual([{ name: 'tmp', emptyDir: { sizeLimit: '256Mi' } }]);
    expect(pod.automountServiceAccountToken).toBe(false);
  });

  test('spread across nodes and zones without leaving pods Pending', () => {
    const keys = pod.topologySpreadConstraints.map((c: any) => c.topologyKey);
    expect(keys).toEqual(['kubernetes.io/hostname', 'topology.kubernetes.io/zone']);
    for (const c of pod.topologySpreadConstraints) {
      expect(c.whenUnsatisfiable).toBe('ScheduleAnyway');
      expect(c.labelSelector.matchLabels).toEqual(deployment.spec.selector.matchLabels);
    }
  });

  test('ClusterIP Service with no session affinity', () => {
    const service = only(objects, 'Service');
    expect(service.spec.type).toBe('ClusterIP');
    expect(service.spec.sessionAffinity).toBeUndefined();
    expect(service.spec.sessionAffinityConfig).toBeUndefined();
    expect(service.spec.ports).toEqual([{ name: 'http', port: 80, targetPort: 8080 }]);
    expect(service.spec.selector).toEqual(deployment.spec.selector.matchLabels);
  });

  test('Ingress: class nginx, host, path / (Prefix), no affinity annotation of any kind', () => {
    const ingress = only(objects, 'Ingress');
    expect(ingress.spec.ingressClassName).toBe('nginx');
    expect(ingress.spec.rules).toEqual([
      { host: 'shop.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } }] } },
    ]);
    const annotations = Object.keys(ingress.metadata.annotations ?? {});
    expect(annotations.filter((a) => /affinity|session-cookie|canary/.test(a))).toEqual([]);
  });

  test('a PodDisruptionBudget, no HPA', () => {
    const pdb = only(objects, 'PodDisruptionBudget');
    expect(pdb.spec.maxUnavailable).toBe(1);
    expect(pdb.spec.selector.matchLabels).toEqual({ 'app.kubernetes.io/name': 'web', 'app.kubernetes.io/component': 'web' });
    expect(ofKind(objects, 'HorizontalPodAutoscaler')).toEqual([]);
  });

  test('valid against the Kubernetes schema, PSS restricted and kube-linter checks', () => {
    expect(schemaErrors(objects)).toEqual([]);
    expect(podSecurityViolations(objects)).toEqual([]);
    expect(lintViolations(objects)).toEqual([]);
  });
});

describe('StatelessWebApp options', () => {
  test('TCP probes on the port without healthCheckPath', () => {
    const container = only(build().objects, 'Deployment').spec.template.spec.containers[0];
    for (const probe of ['readinessProbe', 'livenessProbe', 'startupProbe']) {
      expect(container[probe].tcpSocket).toEqual({ port: 8080 });
      expect(container[probe].httpGet).toBeUndefined();
    }
  });

  test('autoscaling: an HPA on CPU, no fixed replicas on the Deployment', () => {
    const { chart, objects } = build({ autoscaling: { minReplicas: 3, maxReplicas: 12, targetCpuUtilizationPercent: 65 } });
    expect(synthYaml(chart)).toMatchSnapshot();
    expect(only(objects, 'Deployment').spec.replicas).toBeUndefined();
    const hpa = only(objects, 'HorizontalPodAutoscaler');
    expect(hpa.spec).toMatchObject({
      minReplicas: 3,
      maxReplicas: 12,
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
      metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 65 } } }],
    });
    expect(schemaErrors(objects)).toEqual([]);
    expect(lintViolations(objects)).toEqual([]);
  });

  test('a PDB whenever more than one replica can run: autoscaling 1..3 has one, a single fixed replica has none', () => {
    expect(ofKind(build({ autoscaling: { minReplicas: 1, maxReplicas: 3 } }).objects, 'PodDisruptionBudget')).toHaveLength(1);
    expect(ofKind(build({ replicas: 1, acknowledgedRisks: [RiskCode.APP_SINGLE_REPLICA] }).objects, 'PodDisruptionBudget')).toHaveLength(0);
  });

  test('without host and path no route is made; path alone routes every host', () => {
    const chart = newChart();
    new StatelessWebApp(chart, 'backend', { name: 'backend', image: IMAGE });
    new StatelessWebApp(chart, 'any-host', { name: 'any-host', image: IMAGE, path: '/status' });
    const objects = synth(chart);
    const ingresses = ofKind(objects, 'Ingress');
    expect(ingresses.map((i) => i.metadata.name)).toEqual(['any-host']);
    expect(ingresses[0].spec.rules[0].host).toBeUndefined();
    expect(ingresses[0].spec.rules[0].http.paths[0].path).toBe('/status');
  });

  test('port, servicePort, replicas, resources, env, ingress class, TLS', () => {
    const { objects } = build({
      port: 3000,
      servicePort: 8080,
      replicas: 4,
      path: '/shop',
      tlsSecretName: 'shop-tls',
      env: { LOG_LEVEL: 'info' },
      resources: { cpu: { request: kplus.Cpu.millis(250), limit: kplus.Cpu.millis(750) } },
      traffic: TrafficProvider.ingressNginx({ ingressClassName: 'internal' }),
    });
    const container = only(objects, 'Deployment').spec.template.spec.containers[0];
    expect(only(objects, 'Deployment').spec.replicas).toBe(4);
    expect(container.ports[0].containerPort).toBe(3000);
    expect(container.env).toEqual([{ name: 'LOG_LEVEL', value: 'info' }]);
    expect(container.resources).toEqual({ requests: { cpu: '250m', memory: '512Mi' }, limits: { cpu: '750m', memory: '1024Mi' } });
    expect(only(objects, 'Service').spec.ports).toEqual([{ name: 'http', port: 8080, targetPort: 3000 }]);
    const ingress = only(objects, 'Ingress');
    expect(ingress.spec.ingressClassName).toBe('internal');
    expect(ingress.spec.tls).toEqual([{ hosts: ['shop.example.com'], secretName: 'shop-tls' }]);
    expect(ingress.spec.rules[0].http.paths[0]).toMatchObject({ path: '/shop', backend: { service: { name: 'web', port: { number: 8080 } } } });
  });

  test('the default name is the construct path as cdk8s names objects, and is stable', () => {
    const chart = newChart();
    const app = new StatelessWebApp(chart, 'web', { image: IMAGE });
    expect(app.name).toBe('test-web-c8694308');
    expect(only(synth(chart), 'Deployment').metadata.name).toBe(app.name);
  });

  test('a default name from a long construct path leaves room for the canary suffix', () => {
    const chart = new Chart(Testing.app(), 'a-rather-long-chart-name-for-the-payments-team-in-europe');
    const app = new StatelessWebApp(chart, 'checkout-and-cart-web-frontend', { image: IMAGE });
    expect(app.name.length).toBeLessThanOrEqual(56);
  });

  test('escape hatches: the cdk8s-plus Deployment and Service, and the route object', () => {
    const chart = newChart();
    const app = new StatelessWebApp(chart, 'web', { name: 'web', image: IMAGE, host: 'a.example.com' });
    app.deployment.metadata.addAnnotation('example.com/owner', 'team-a');
    app.service.metadata.addLabel('example.com/tier', 'frontend');
    app.route!.metadata.addAnnotation('example.com/route', 'yes');
    const objects = synth(chart);
    expect(only(objects, 'Deployment').metadata.annotations).toEqual({ 'example.com/owner': 'team-a' });
    expect(only(objects, 'Service').metadata.labels!['example.com/tier']).toBe('frontend');
    expect(only(objects, 'Ingress').metadata.annotations).toEqual({ 'example.com/route': 'yes' });
  });
});

describe('StatelessWebApp session store binding (external store)', () => {
  const store = SessionStore.external({ host: 'sessions.abc123.cache.amazonaws.com', passwordSecretName: 'elasticache-auth', passwordSecretKey: 'token' });

  test('the connection becomes environment variables; the password only through secretKeyRef', () => {
    const { objects } = build({ sessionStore: store });
    const container = only(objects, 'Deployment').spec.template.spec.containers[0];
    expect(container.env).toEqual([
      { name: 'REDIS_URL', value: 'rediss://sessions.abc123.cache.amazonaws.com:6379' },
      { name: 'REDIS_HOST', value: 'sessions.abc123.cache.amazonaws.com' },
      { name: 'REDIS_PORT', value: '6379' },
      { name: 'REDIS_PASSWORD', valueFrom: { secretKeyRef: { name: 'elasticache-auth', key: 'token' } } },
      { name: 'REDIS_TLS', value: 'true' },
    ]);
    // no Redis is synthesized for an external store
    expect(objects.map((o) => o.kind).sort()).toEqual(['Deployment', 'Ingress', 'PodDisruptionBudget', 'Service']);
  });

  test('env that collides with the binding is an error', () => {
    expect(() => build({ sessionStore: store, env: { REDIS_URL: 'redis://elsewhere:6379' } })).toThrow(
      "StatelessWebApp 'test/web': 'env.REDIS_URL' is set by the session store binding (preset generic), got \"redis://elsewhere:6379\". " +
        'Remove it from env, or bind a different sessionEnvPreset; the store connection is injected for you.',
    );
  });
});

describe('SessionStore.external bad input', () => {
  test.each([
    [{ host: 'sessions.example.com:6379', passwordSecretName: 'auth' }, "SessionStore.external: 'host' must be a host name only, got \"sessions.example.com:6379\". Remove the scheme, port and path; pass the port as 'port'."],
    [{ host: 'r.example.com', port: 0, passwordSecretName: 'auth' }, "SessionStore.external: 'port' must be an integer from 1 to 65535, got 0."],
    [{ host: 'r.example.com', passwordSecretName: '' }, "SessionStore.external: 'passwordSecretName' must not be empty, got \"\"."],
    [{ host: 'r.example.com', passwordSecretName: 'Auth' }, "SessionStore.external: 'passwordSecretName' must be an object name (a lower-case DNS subdomain), got \"Auth\". Use e.g. \"sessions-auth\"."],
    [{ host: 'r.example.com', passwordSecretName: 'auth', passwordSecretKey: 'pass word' }, "SessionStore.external: 'passwordSecretKey' must be a Secret key (letters, digits, \"-\", \"_\", \".\"), got \"pass word\". Use e.g. \"password\" or \"auth-token\"."],
    [{ host: 'r.example.com', passwordSecretName: 'auth', sentinelMasterName: ' ' }, "SessionStore.external: 'sentinelMasterName' must not be empty, got \" \"."],
  ])('%j', (props, message) => {
    expect(() => SessionStore.external(props)).toThrow(message);
  });
});

describe('StatelessWebApp bad input', () => {
  const cases: Array<[string, Partial<StatelessWebAppProps>, string]> = [
    ['empty image', { image: ' ' }, "StatelessWebApp 'test/web': 'image' must not be empty, got \" \". Pass a container image pinned to a tag or digest, e.g. \"ghcr.io/acme/web:1.4.2\"."],
    ['port 0', { port: 0 }, "StatelessWebApp 'test/web': 'port' must be an integer from 1 to 65535, got 0. Use the TCP port the container listens on, e.g. 8080."],
    ['port 70000', { port: 70000 }, "StatelessWebApp 'test/web': 'port' must be an integer from 1 to 65535, got 70000. Use the TCP port the container listens on, e.g. 8080."],
    ['servicePort 1.5', { servicePort: 1.5 }, "StatelessWebApp 'test/web': 'servicePort' must be an integer from 1 to 65535, got 1.5. Use the port clients call the Service on, e.g. 80."],
    ['negative replicas', { replicas: -1 }, "StatelessWebApp 'test/web': 'replicas' must be an integer from 1 to 1000, got -1. Use a whole number of pods, 2 or more for availability."],
    ['fractional replicas', { replicas: 2.5 }, "StatelessWebApp 'test/web': 'replicas' must be an integer from 1 to 1000, got 2.5. Use a whole number of pods, 2 or more for availability."],
    [
      'minReplicas > maxReplicas',
      { autoscaling: { minReplicas: 5, maxReplicas: 3 } },
      "StatelessWebApp 'test/web': 'autoscaling.maxReplicas' must be at least autoscaling.minReplicas (5), got 3. Raise maxReplicas to 5 or more, or lower minReplicas.",
    ],
    [
      'CPU target 0',
      { autoscaling: { maxReplicas: 3, targetCpuUtilizationPercent: 0 } },
      "StatelessWebApp 'test/web': 'autoscaling.targetCpuUtilizationPercent' must be an integer from 1 to 100, got 0. Use a percentage of the CPU request, e.g. 70.",
    ],
    [
      'CPU target 150',
      { autoscaling: { maxReplicas: 3, targetCpuUtilizationPercent: 150 } },
      "StatelessWebApp 'test/web': 'autoscaling.targetCpuUtilizationPercent' must be an integer from 1 to 100, got 150. Use a percentage of the CPU request, e.g. 70.",
    ],
    [
      'replicas with autoscaling',
      { replicas: 3, autoscaling: { maxReplicas: 5 } },
      "StatelessWebApp 'test/web': 'replicas' cannot be combined with autoscaling (the HPA owns the replica count), got 3. Remove replicas and set autoscaling.minReplicas instead.",
    ],
    [
      'host with a scheme',
      { host: 'https://shop.example.com' },
      "StatelessWebApp 'test/web': 'host' must be a DNS name (lower-case letters, digits and hyphens in dot-separated labels of at most 63 characters, optionally starting with \"*.\"), got \"https://shop.example.com\". Pass the host name only, without scheme, port or path, e.g. \"api.example.com\".",
    ],
    [
      'upper-case host',
      { host: 'Shop.Example.com' },
      "StatelessWebApp 'test/web': 'host' must be a DNS name (lower-case letters, digits and hyphens in dot-separated labels of at most 63 characters, optionally starting with \"*.\"), got \"Shop.Example.com\". Pass the host name only, without scheme, port or path, e.g. \"api.example.com\".",
    ],
    ['image with white space', { image: 'ghcr.io/acme/web 1.4.2' }, "StatelessWebApp 'test/web': 'image' must not contain white space, got \"ghcr.io/acme/web 1.4.2\". Pass a single image reference, e.g. \"ghcr.io/acme/web:1.4.2\"."],
    ['path with white space', { path: '/my shop' }, "StatelessWebApp 'test/web': 'path' must not contain white space, got \"/my shop\". Remove the white space from the path."],
    ['path without /', { path: 'api' }, "StatelessWebApp 'test/web': 'path' must start with \"/\", got \"api\". Use \"/api\"."],
    ['healthCheckPath without /', { healthCheckPath: 'healthz' }, "StatelessWebApp 'test/web': 'healthCheckPath' must start with \"/\", got \"healthz\". Use \"/healthz\"."],
    [
      'name not a DNS label',
      { name: 'Web_App' },
      "StatelessWebApp 'test/web': 'name' must be a DNS-1035 label of at most 47 characters (lower-case letters, digits and \"-\", starting with a letter; derived objects add up to 16 characters to it), got \"Web_App\". Choose a shorter lower-case name such as \"rider-api\".",
    ],
    ['runAsUser 0', { runAsUser: 0 }, "StatelessWebApp 'test/web': 'runAsUser' must be an integer from 1 to 2147483647, got 0. Use a non-root UID (not 0), e.g. 10001."],
    [
      'bad env name',
      { env: { 'LOG LEVEL': 'x' } },
      "StatelessWebApp 'test/web': 'env' keys must be valid environment variable names (letters, digits, \"_\", \"-\", \".\" not starting with a digit), got \"LOG LEVEL\". Rename the variable, e.g. \"LOG_LEVEL\".",
    ],
    [
      'TLS without host',
      { host: undefined, path: '/', tlsSecretName: 'tls' },
      "StatelessWebApp 'test/web': 'tlsSecretName' needs a host to issue the certificate for, got \"tls\". Set host as well, or remove tlsSecretName.",
    ],
    ['bad TLS secret name', { tlsSecretName: 'My Secret' }, "StatelessWebApp 'test/web': 'tlsSecretName' must be an object name (a lower-case DNS subdomain), got \"My Secret\". Use e.g. \"shop-example-com-tls\"."],
    [
      'unknown session env preset',
      { sessionEnvPreset: 'spring' as SessionEnvPreset },
      "StatelessWebApp 'test/web': 'sessionEnvPreset' must be one of SessionEnvPreset.GENERIC, SessionEnvPreset.SPRING_BOOT, SessionEnvPreset.NODE_REDIS, got \"spring\". Use a SessionEnvPreset value, e.g. SessionEnvPreset.GENERIC.",
    ],
    [
      'CPU request above the limit',
      { resources: { cpu: { request: kplus.Cpu.units(2), limit: kplus.Cpu.millis(1000) } } },
      "StatelessWebApp 'test/web': 'resources.cpu' must not request more than its limit (the API server rejects the pod), got \"request 2 > limit 1000m\". Raise the limit or lower the request.",
    ],
    [
      'memory request above the limit',
      { resources: { memory: { request: Size.gibibytes(2), limit: Size.gibibytes(1) } } },
      "StatelessWebApp 'test/web': 'resources.memory' must not request more than its limit (the API server rejects the pod), got \"request 2048Mi > limit 1024Mi\". Raise the limit or lower the request.",
    ],
    [
      'unknown risk code',
      { acknowledgedRisks: ['APP_SINGLE_REPLIKA' as RiskCode] },
      "StatelessWebApp 'test/web': 'acknowledgedRisks' must list risk codes of cdk8s-stateless, got \"APP_SINGLE_REPLIKA\".",
    ],
  ];

  test.each(cases)('%s', (_name, props, message) => {
    const chart = newChart();
    expect(() => new StatelessWebApp(chart, 'web', { name: 'web', image: IMAGE, host: 'shop.example.com', ...props })).toThrow(message);
    // thrown in the constructor, before any Kubernetes object exists
    expect(chart.node.findAll().filter((c) => c instanceof ApiObject)).toHaveLength(0);
  });

  test('errors come before any synthesis, and a failed app leaves nothing in its App', () => {
    const app = Testing.app();
    const chart = new Chart(app, 'shop', { namespace: 'shop' });
    expect(() => new StatelessWebApp(chart, 'x', { image: '' })).toThrow(/'image' must not be empty/);
    expect(app.synthYaml()).toBe('');
    // a late error (the route collides after the Deployment and Service were built): nothing of it stays either
    new StatelessWebApp(chart, 'a', { name: 'a', image: IMAGE, host: 'shop.example.com' });
    expect(() => new StatelessWebApp(chart, 'b', { name: 'b', image: IMAGE, host: 'shop.example.com' })).toThrow(/is already routed by StatelessWebApp 'shop\/a'/);
    const names = (Testing.synth(chart) as Array<{ metadata: { name: string } }>).map((o) => o.metadata.name);
    expect(names.filter((n) => n === 'b')).toEqual([]);
    expect(names.filter((n) => n === 'a').length).toBeGreaterThan(0);
    expect(chart.node.tryFindChild('b')).toBeUndefined();
  });
});
