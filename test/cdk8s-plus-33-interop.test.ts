import { ApiObject, App, Chart, Testing } from 'cdk8s';
import * as plus27 from 'cdk8s-plus-27';
import * as plus33 from 'cdk8s-plus-33';
import { AffinityMode, ServiceReferences, StickyIngress } from '../src';
import { K8sObject, only, schemaErrors, synth } from './support/synth';

// an app as `cdk8s init typescript-app` scaffolds it today (cdk8s-plus-33) routes its own
// Service through a StickyIngress. This file is type-checked by `npm test` (test/tsconfig.typecheck.json).

const WHY = 'the legacy servlet keeps the cart in HttpSession until SHOP-142 moves it to Redis';

function plus33App(): { chart: Chart; service: plus33.Service } {
  const chart = new Chart(Testing.app(), 'shop', { namespace: 'shop' });
  const deployment = new plus33.Deployment(chart, 'servlet', {
    containers: [
      {
        image: 'ghcr.io/acme/servlet:2.3.1',
        ports: [{ number: 8080, name: 'http' }, { number: 8443, name: 'https' }],
        securityContext: { ensureNonRoot: false },
      },
    ],
  });
  const service = deployment.exposeViaService({ name: 'servlet', ports: [{ name: 'http', port: 80, targetPort: 8080 }, { name: 'https', port: 8443, targetPort: 8443 }] });
  return { chart, service };
}

describe('StickyIngress on a cdk8s-plus-33 Service', () => {
  const { chart, service } = plus33App();
  new StickyIngress(chart, 'sticky', {
    serviceRef: ServiceReferences.of(service),
    host: 'shop.example.com',
    mode: AffinityMode.PERSISTENT,
    justification: WHY,
  });
  const objects = synth(chart);
  const ingress = only(objects, 'Ingress');

  test('the route points at the cdk8s-plus-33 Service and its first port', () => {
    expect(ingress.spec.rules[0].http.paths[0].backend).toEqual({ service: { name: 'servlet', port: { number: 80 } } });
    expect(ingress.metadata.namespace).toBe('shop');
    expect(ingress.metadata.annotations!['nginx.ingress.kubernetes.io/affinity']).toBe('cookie');
  });

  test('the Service and the Ingress are in one synthesized chart, valid against the Kubernetes schema', () => {
    expect(only(objects, 'Service').metadata.name).toBe('servlet');
    expect(schemaErrors(objects)).toEqual([]);
  });

  test('a chosen port of the Service', () => {
    const other = plus33App();
    new StickyIngress(other.chart, 'sticky', { serviceRef: ServiceReferences.of(other.service, 8443), mode: AffinityMode.BALANCED, justification: WHY });
    expect(only(synth(other.chart), 'Ingress').spec.rules[0].http.paths[0].backend.service.port).toEqual({ number: 8443 });
  });

  test('the cdk8s-plus-27 `service` prop does not take it (a type error), which is why serviceRef exists', () => {
    const other = plus33App();
    // @ts-expect-error a cdk8s-plus-33 Service is not a cdk8s-plus-27 Service (its apiObject is protected)
    const props: ConstructorParameters<typeof StickyIngress>[2] = { service: other.service, mode: AffinityMode.BALANCED, justification: WHY };
    expect(props.service).toBe(other.service);
  });
});

describe('StickyIngress on a core ApiObject or a written-out reference', () => {
  test('a core ApiObject of kind Service: its spec.ports are read', () => {
    const chart = new Chart(Testing.app(), 'shop', { namespace: 'shop' });
    const service = new ApiObject(chart, 'svc', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'legacy' }, spec: { ports: [{ port: 8080 }] } });
    new StickyIngress(chart, 'sticky', { serviceRef: ServiceReferences.of(service), mode: AffinityMode.BALANCED, justification: WHY });
    expect(only(synth(chart), 'Ingress').spec.rules[0].http.paths[0].backend).toEqual({ service: { name: 'legacy', port: { number: 8080 } } });
  });

  test('a Service created elsewhere (another repository, a Helm chart), by name and port', () => {
    const chart = new Chart(new App(), 'shop', { namespace: 'shop' });
    new StickyIngress(chart, 'sticky', { serviceRef: { name: 'vendor-portal', port: 80, namespace: 'shop' }, mode: AffinityMode.BALANCED, justification: WHY });
    const objects = Testing.synth(chart) as K8sObject[];
    expect(only(objects, 'Ingress').spec.rules[0].http.paths[0].backend).toEqual({ service: { name: 'vendor-portal', port: { number: 80 } } });
  });

  const refusals: Array<[string, () => void, string]> = [
    [
      'not a Service',
      () => {
        const { chart } = plus33App();
        const cm = new plus33.ConfigMap(chart, 'cm', { metadata: { name: 'settings' } });
        ServiceReferences.of(cm);
      },
      'ServiceReferences.of: \'service\' must be an object of kind Service, got "ConfigMap settings". Pass the Service in front of the pods, not the workload.',
    ],
    [
      'a port the Service does not have',
      () => ServiceReferences.of(plus33App().service, 9090),
      "ServiceReferences.of: 'port' must be a port of Service servlet (80, 8443), got 9090. Pass one of its ports, or add a port to the Service first.",
    ],
    [
      'a Service in another namespace',
      () =>
        new StickyIngress(new Chart(Testing.app(), 'shop', { namespace: 'shop' }), 'sticky', {
          serviceRef: { name: 'web', port: 80, namespace: 'billing' },
          mode: AffinityMode.BALANCED,
          justification: WHY,
        }),
      "StickyIngress 'shop/sticky': 'serviceRef.namespace' must be the namespace of the StickyIngress's chart (shop): a route reaches only Services in its own namespace, got \"billing\". Create the StickyIngress in a chart with namespace \"billing\".",
    ],
    [
      'both service and serviceRef',
      () => {
        const { chart } = plus33App();
        const kube = new plus33.k8s.KubeService(chart, 'k', { metadata: { name: 'k' }, spec: { ports: [{ port: 80 }] } });
        new StickyIngress(chart, 'sticky', {
          service: new plus27.Service(chart, 'plus27', { ports: [{ port: 80 }] }),
          serviceRef: ServiceReferences.of(kube),
          mode: AffinityMode.BALANCED,
          justification: WHY,
        });
      },
      'StickyIngress \'shop/sticky\': \'serviceRef\' cannot be combined with service (they name the Service to route to twice), got {"name":"k","port":80,"namespace":"shop"}. Keep one of them.',
    ],
    [
      'a port other than serviceRef.port',
      () => new StickyIngress(new Chart(Testing.app(), 'shop'), 'sticky', { serviceRef: { name: 'web', port: 80 }, port: 8080, mode: AffinityMode.BALANCED, justification: WHY }),
      "StickyIngress 'shop/sticky': 'port' must be serviceRef.port (80) when serviceRef is given, got 8080. Leave port out, or set serviceRef.port.",
    ],
    [
      'an upper-case Service name',
      () => new StickyIngress(new Chart(Testing.app(), 'shop'), 'sticky', { serviceRef: { name: 'Web', port: 80 }, mode: AffinityMode.BALANCED, justification: WHY }),
      'StickyIngress \'shop/sticky\': \'serviceRef.name\' must be a DNS-1035 label of at most 63 characters (lower-case letters, digits and "-", starting with a letter; derived objects add up to 0 characters to it), got "Web". Use lower case: "web".',
    ],
  ];
  test.each(refusals)('refuses %s', (_name, build, message) => {
    expect(build).toThrow(message);
  });
});
