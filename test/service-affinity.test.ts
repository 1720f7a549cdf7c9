import { Duration } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { AffinityMode, RiskCode, ServiceAffinity, StatelessWebApp, StickyIngress, TrafficProvider, Warnings } from '../src';
import { lintViolations } from './support/policy';
import { newChart, only, schemaErrors, synth, synthYaml } from './support/synth';

const IMAGE = 'ghcr.io/acme/game:5.0.1';
const WHY = 'game server keeps per-connection state over a raw TCP protocol; no cookies to pin on';

describe('ServiceAffinity.clientIp on a StatelessWebApp', () => {
  const chart = newChart('games');
  new StatelessWebApp(chart, 'game', { name: 'game', image: IMAGE, replicas: 4, serviceAffinity: ServiceAffinity.clientIp({ justification: WHY }) });
  const objects = synth(chart);
  const service = only(objects, 'Service');

  test('YAML snapshot', () => {
    expect(synthYaml(chart)).toMatchSnapshot();
  });

  test('sessionAffinity ClientIP with the default timeout of 10800 s, and the justification', () => {
    expect(service.spec.sessionAffinity).toBe('ClientIP');
    expect(service.spec.sessionAffinityConfig).toEqual({ clientIP: { timeoutSeconds: 10800 } });
    expect(service.metadata.annotations!['stateless.cdk8s.io/affinity-justification']).toBe(WHY);
  });

  test('risks: proxy, NAT, uneven load, session loss, with the numbers', () => {
    const risks = Warnings.of(chart).risks;
    expect(risks.map((r) => r.code)).toEqual([
      RiskCode.AFFINITY_CLIENT_IP_BEHIND_PROXY,
      RiskCode.AFFINITY_CLIENT_IP_NAT,
      RiskCode.AFFINITY_NO_SESSION_STORE,
      RiskCode.AFFINITY_SESSION_LOSS,
      RiskCode.AFFINITY_UNEVEN_LOAD,
    ]);
    const msg = (code: string) => risks.find((r) => r.code === code)!.message;
    expect(msg(RiskCode.AFFINITY_CLIENT_IP_BEHIND_PROXY)).toContain("arrives from the proxy's few addresses");
    expect(msg(RiskCode.AFFINITY_CLIENT_IP_NAT)).toContain('lands on the same pod of game for 10800 s');
    expect(msg(RiskCode.AFFINITY_UNEVEN_LOAD)).toContain('ClientIP affinity pins each user of game to one of 4 pods');
    expect(Object.keys(service.metadata.annotations!).filter((k) => k.startsWith('risks.'))).toHaveLength(5);
  });

  test('valid against the schema and the lint checks', () => {
    expect(schemaErrors(objects)).toEqual([]);
    expect(lintViolations(objects)).toEqual([]);
  });
});

test('behind an Ingress the proxy risk says ingress-nginx skips the Service (reported at synth, once the route is known)', () => {
  const chart = newChart();
  new StatelessWebApp(chart, 'web', {
    name: 'web',
    image: IMAGE,
    host: 'play.example.com',
    serviceAffinity: ServiceAffinity.clientIp({ justification: WHY, timeout: Duration.minutes(10) }),
  });
  const objects = synth(chart);
  const risk = Warnings.of(chart).risks.find((r) => r.code === RiskCode.AFFINITY_CLIENT_IP_BEHIND_PROXY)!;
  expect(risk.message).toContain(
    'web is also routed by ingress-nginx: ingress-nginx sends requests to the pod endpoints directly, skipping the Service and its sessionAffinity (unless the Ingress sets service-upstream: "true")',
  );
  expect(only(objects, 'Service').spec.sessionAffinityConfig.clientIP.timeoutSeconds).toBe(600);
});

test('on Gateway API the proxy risk does not claim what ingress-nginx does', () => {
  const chart = newChart();
  new StatelessWebApp(chart, 'web', {
    name: 'web',
    image: IMAGE,
    host: 'play.example.com',
    traffic: TrafficProvider.gatewayApi({ gatewayName: 'public' }),
    serviceAffinity: ServiceAffinity.clientIp({ justification: WHY }),
  });
  synth(chart);
  const risk = Warnings.of(chart).risks.find((r) => r.code === RiskCode.AFFINITY_CLIENT_IP_BEHIND_PROXY)!;
  expect(risk.message).not.toContain('ingress-nginx');
  expect(risk.message).toContain('web is also routed by gateway-api: Gateway API does not say whether an implementation routes through the Service');
});

test('a route attached after the affinity (a StickyIngress created later) is still known to the risk', () => {
  const chart = newChart();
  const app = new StatelessWebApp(chart, 'web', { name: 'web', image: IMAGE, serviceAffinity: ServiceAffinity.clientIp({ justification: WHY }) });
  new StickyIngress(chart, 'sticky', { service: app.service, host: 'play.example.com', mode: AffinityMode.PERSISTENT, justification: WHY });
  synth(chart);
  const risk = Warnings.of(chart).risks.find((r) => r.code === RiskCode.AFFINITY_CLIENT_IP_BEHIND_PROXY)!;
  expect(risk.message).toContain('web is also routed by ingress-nginx');
});

test('on any cdk8s-plus Service, with acknowledged risks', () => {
  const chart = newChart();
  const service = new kplus.Service(chart, 'legacy', { metadata: { name: 'legacy' }, ports: [{ port: 9000 }] });
  ServiceAffinity.clientIp({ justification: WHY, acknowledgedRisks: [RiskCode.AFFINITY_CLIENT_IP_NAT] }).applyTo(service);
  const svc = only(synth(chart), 'Service');
  expect(svc.spec.sessionAffinity).toBe('ClientIP');
  expect(svc.metadata.annotations!['risks.stateless.cdk8s.io/acknowledged']).toBe('AFFINITY_CLIENT_IP_NAT');
  expect(Warnings.of(chart).unacknowledged.map((r) => r.code)).not.toContain(RiskCode.AFFINITY_CLIENT_IP_NAT);
  expect(Warnings.of(chart).risks.find((r) => r.code === RiskCode.AFFINITY_UNEVEN_LOAD)!.message).toContain('Service legacy to one of its pods');
});

describe('ServiceAffinity.clientIp bad input', () => {
  test.each([
    [{ justification: '' }, "ServiceAffinity.clientIp: 'justification' must not be empty, got \"\". Write down why this Service needs ClientIP affinity"],
    [{ justification: WHY, timeoutSeconds: 0 }, "ServiceAffinity.clientIp: 'timeoutSeconds' must be an integer from 1 to 86400, got 0. Use e.g. 10800 (3 hours, the default; 86400 is the Kubernetes limit)."],
    [{ justification: WHY, timeoutSeconds: 86401 }, "ServiceAffinity.clientIp: 'timeoutSeconds' must be an integer from 1 to 86400, got 86401."],
    [{ justification: WHY, timeoutSeconds: 1.5 }, "ServiceAffinity.clientIp: 'timeoutSeconds' must be an integer from 1 to 86400, got 1.5."],
    [{ justification: WHY, timeout: Duration.days(2) }, "ServiceAffinity.clientIp: 'timeout' must be whole seconds from 1 second to 24 hours, got \"172800s\". Use e.g. Duration.hours(3) (the default; 24 hours is the Kubernetes limit)."],
    [{ justification: WHY, timeout: Duration.millis(1500) }, "ServiceAffinity.clientIp: 'timeout' must be whole seconds from 1 second to 24 hours, got \"1.5s\"."],
    [
      { justification: WHY, timeout: Duration.hours(1), timeoutSeconds: 3600 },
      "ServiceAffinity.clientIp: 'timeoutSeconds' cannot be combined with timeout (they say the same thing), got 3600. Keep timeout (a Duration) and remove timeoutSeconds.",
    ],
    [{ justification: WHY, acknowledgedRisks: ['NAT' as RiskCode] }, "ServiceAffinity.clientIp: 'acknowledgedRisks' must list risk codes of cdk8s-stateless, got \"NAT\"."],
  ])('%j', (options, message) => {
    expect(() => ServiceAffinity.clientIp(options)).toThrow(message);
  });
});

test('the deprecated timeoutSeconds still sets the timeout (kept through 0.x)', () => {
  const chart = newChart();
  new StatelessWebApp(chart, 'web', { name: 'web', image: IMAGE, serviceAffinity: ServiceAffinity.clientIp({ justification: WHY, timeoutSeconds: 600 }) });
  expect(only(synth(chart), 'Service').spec.sessionAffinityConfig.clientIP.timeoutSeconds).toBe(600);
});
