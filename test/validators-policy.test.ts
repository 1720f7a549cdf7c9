import { schemaErrorsInProcess } from './support/invariant';
import { lintViolations, podSecurityViolations } from './support/policy';
import { K8sObject, schemaErrors } from './support/synth';

/**
 * Negative tests for the validators every example and construct test relies on: each
 * policy of test/support/policy.ts and the schema validator (test/support/validate-schema.mjs) is shown a
 * bad object and must reject it with its exact message; the good objects they start from pass.
 */

function good(): K8sObject[] {
  const labels = { 'app.kubernetes.io/name': 'web' };
  return [
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'shop', labels },
      spec: {
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: {
            securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
            volumes: [{ name: 'tmp', emptyDir: {} }],
            containers: [
              {
                name: 'web',
                image: 'ghcr.io/acme/web:1.0.0',
                ports: [{ name: 'http', containerPort: 8080 }],
                env: [{ name: 'REDIS_PASSWORD', valueFrom: { secretKeyRef: { name: 'auth', key: 'password' } } }],
                securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
                resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '1', memory: '256Mi' } },
                readinessProbe: { httpGet: { path: '/health', port: 8080 } },
                livenessProbe: { httpGet: { path: '/health', port: 8080 } },
              },
            ],
          },
        },
      },
    },
    { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'shop' }, spec: { selector: labels, ports: [{ name: 'http', port: 80, targetPort: 8080 }] } },
    { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'web', namespace: 'shop' }, spec: { podSelector: { matchLabels: labels } } },
    { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'web', namespace: 'shop' }, spec: { selector: { matchLabels: labels }, maxUnavailable: 1 } },
    {
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: 'web', namespace: 'shop' },
      spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, minReplicas: 2, maxReplicas: 4 },
    },
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: { name: 'web', namespace: 'shop' },
      spec: { rules: [{ host: 'web.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } }] } }] },
    },
  ];
}

/** The good objects after a change; `find(kind)` returns the object of that kind to mutate. */
function bad(change: (find: (kind: string) => any) => void): K8sObject[] {
  const objects = good();
  change((kind) => objects.find((o) => o.kind === kind)!);
  return objects;
}
const pod = (find: (kind: string) => any) => find('Deployment').spec.template.spec;
const container = (find: (kind: string) => any) => pod(find).containers[0];
const CID = 'Deployment/web container web';

describe('the good objects pass every validator', () => {
  test('PSS restricted, kube-linter checks, schema', () => {
    expect(podSecurityViolations(good())).toEqual([]);
    expect(lintViolations(good())).toEqual([]);
    expect(schemaErrors(good())).toEqual([]);
  });
});

describe('podSecurityViolations (Pod Security Standards restricted)', () => {
  test.each([
    ['hostNetwork', (f: any) => (pod(f).hostNetwork = true), 'Deployment/web: hostNetwork must not be true'],
    ['hostPID', (f: any) => (pod(f).hostPID = true), 'Deployment/web: hostPID must not be true'],
    ['hostIPC', (f: any) => (pod(f).hostIPC = true), 'Deployment/web: hostIPC must not be true'],
    ['hostPath volume', (f: any) => (pod(f).volumes = [{ name: 'h', hostPath: { path: '/' } }]), 'Deployment/web: volume h of type hostPath is not allowed'],
    ['privileged', (f: any) => (container(f).securityContext.privileged = true), `${CID}: privileged`],
    ['allowPrivilegeEscalation unset', (f: any) => delete container(f).securityContext.allowPrivilegeEscalation, `${CID}: allowPrivilegeEscalation must be false`],
    ['capabilities not dropped', (f: any) => (container(f).securityContext.capabilities = {}), `${CID}: capabilities must drop ALL`],
    ['capability added', (f: any) => (container(f).securityContext.capabilities.add = ['NET_ADMIN']), `${CID}: may only add NET_BIND_SERVICE`],
    ['runAsNonRoot missing', (f: any) => delete pod(f).securityContext.runAsNonRoot, `${CID}: runAsNonRoot must be true`],
    ['runAsUser 0', (f: any) => (container(f).securityContext.runAsUser = 0), `${CID}: runAsUser must not be 0`],
    ['seccomp Unconfined', (f: any) => (pod(f).securityContext.seccompProfile.type = 'Unconfined'), `${CID}: seccompProfile must be RuntimeDefault or Localhost`],
    ['hostPort', (f: any) => (container(f).ports[0].hostPort = 8080), `${CID}: hostPort 8080`],
    ['an init container is checked too', (f: any) => (pod(f).initContainers = [{ ...container(f), name: 'init', securityContext: {} }]), 'Deployment/web container init: allowPrivilegeEscalation must be false'],
  ])('%s', (_name, change, message) => {
    expect(podSecurityViolations(bad(change))).toContain(message);
  });
});

describe('lintViolations (kube-linter default checks)', () => {
  test.each([
    ['latest tag', (f: any) => (container(f).image = 'ghcr.io/acme/web:latest'), `${CID}: latest-tag (image ghcr.io/acme/web:latest is not pinned)`],
    ['no tag', (f: any) => (container(f).image = 'ghcr.io/acme/web'), `${CID}: latest-tag (image ghcr.io/acme/web is not pinned)`],
    ['writable root filesystem', (f: any) => delete container(f).securityContext.readOnlyRootFilesystem, `${CID}: no-read-only-root-fs`],
    ['no cpu request', (f: any) => delete container(f).resources.requests.cpu, `${CID}: unset-cpu-requirements (request)`],
    ['no memory limit', (f: any) => delete container(f).resources.limits.memory, `${CID}: unset-memory-requirements (limit)`],
    ['no readiness probe', (f: any) => delete container(f).readinessProbe, `${CID}: no-readiness-probe`],
    ['no liveness probe', (f: any) => delete container(f).livenessProbe, `${CID}: no-liveness-probe`],
    ['literal secret in env', (f: any) => (container(f).env = [{ name: 'DB_PASSWORD', value: 'hunter2' }]), `${CID}: env-var-secret (DB_PASSWORD has a literal value)`],
    ['selector does not match the template', (f: any) => (f('Deployment').spec.selector.matchLabels = { app: 'other' }), 'Deployment/web: mismatching-selector'],
    ['Service selects no pod', (f: any) => (f('Service').spec.selector = { app: 'other' }), 'Service/web: dangling-service (selects no pod template)'],
    ['Service in another namespace', (f: any) => (f('Service').metadata.namespace = 'other'), 'Service/web: dangling-service (selects no pod template)'],
    ['NetworkPolicy selects no pod', (f: any) => (f('NetworkPolicy').spec.podSelector.matchLabels = { app: 'other' }), 'NetworkPolicy/web: dangling-networkpolicy'],
    ['PDB selects no pod', (f: any) => (f('PodDisruptionBudget').spec.selector.matchLabels = { app: 'other' }), 'PodDisruptionBudget/web: selects no pod template'],
    ['PDB maxUnavailable 0', (f: any) => (f('PodDisruptionBudget').spec.maxUnavailable = 0), 'PodDisruptionBudget/web: pdb-max-unavailable (0 blocks every drain)'],
    ['HPA targets nothing', (f: any) => (f('HorizontalPodAutoscaler').spec.scaleTargetRef.name = 'gone'), 'HorizontalPodAutoscaler/web: dangling-horizontalpodautoscaler'],
    ['HPA target also sets replicas', (f: any) => (f('Deployment').spec.replicas = 3), 'HorizontalPodAutoscaler/web: target web also sets replicas (GitOps and the HPA would fight)'],
    ['Ingress to a missing Service', (f: any) => (f('Ingress').spec.rules[0].http.paths[0].backend.service.name = 'gone'), 'Ingress/web: dangling-ingress (no Service gone)'],
    ['Ingress to a missing port', (f: any) => (f('Ingress').spec.rules[0].http.paths[0].backend.service.port = { number: 81 }), 'Ingress/web: Service web has no port {"number":81}'],
  ])('%s', (_name, change, message) => {
    expect(lintViolations(bad(change))).toContain(message);
  });
});

describe('schema validator (kubernetes-models): the child process and the in-process worker agree', () => {
  const validators: Array<[string, (o: K8sObject[]) => string[]]> = [
    ['validate-schema.mjs child process', schemaErrors],
    ['schema worker', schemaErrorsInProcess],
  ];

  test.each(validators)('%s: a Deployment with a wrong type field', (_name, validate) => {
    const objects = bad((f) => (f('Deployment').spec.replicas = '3'));
    expect(validate(objects)).toEqual([expect.stringMatching(/^Deployment\/web: data\/spec\/replicas must be integer/)]);
    const objects2 = bad((f) => (container(f).ports[0].containerPort = '8080'));
    expect(validate(objects2)).toEqual([expect.stringMatching(/^Deployment\/web: data\/spec\/template\/spec\/containers\/0\/ports\/0\/containerPort must be integer/)]);
  });

  test.each(validators)('%s: an Ingress with a bad pathType', (_name, validate) => {
    const objects = bad((f) => (f('Ingress').spec.rules[0].http.paths[0].pathType = 'Regex'));
    expect(validate(objects)).toEqual([expect.stringMatching(/^Ingress\/web: data\/spec\/rules\/0\/http\/paths\/0\/pathType must be equal to one of the allowed values/)]);
  });

  test.each(validators)('%s: a missing required field and an unknown kind', (_name, validate) => {
    expect(validate(bad((f) => delete container(f).name))).toEqual([expect.stringMatching(/^Deployment\/web: data\/spec\/template\/spec\/containers\/0 must have required property name/)]);
    expect(validate([{ apiVersion: 'v1', kind: 'NoSuchKind', metadata: { name: 'x' } }])).toEqual([expect.stringMatching(/^NoSuchKind\/x: /)]);
  });
});
