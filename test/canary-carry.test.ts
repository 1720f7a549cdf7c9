import { Testing, Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { CanaryMatch, CanaryRelease, StatelessWebApp } from '../src';
import { only, synth } from './support/synth';

const IMAGE = 'ghcr.io/acme/shop:1.8.0';
const NEXT = 'ghcr.io/acme/shop:1.9.0';

function setup() {
  const chart = new Chart(Testing.app(), 'test', { namespace: 'shop' });
  const shop = new StatelessWebApp(chart, 'shop', { name: 'shop', image: IMAGE, host: 'shop.example.com', env: { LOG_LEVEL: 'info' } });
  return { chart, shop };
}

describe('the canary runs the stable container as it is at synth time', () => {
  test('a Secret variable, an envFrom source and a volume added through the escape hatch after the CanaryRelease are on the canary too', () => {
    const { chart, shop } = setup();
    const canary = new CanaryRelease(chart, 'canary', { stable: shop, image: NEXT, match: [CanaryMatch.weight(10)], env: { LOG_LEVEL: 'debug' } });
    // added later, as the README's way to pass a secret
    const secret = kplus.Secret.fromSecretName(chart, 'db', 'shop-db');
    shop.container.env.addVariable('DB_PASSWORD', kplus.EnvValue.fromSecretValue({ secret, key: 'password' }));
    shop.container.env.copyFrom(kplus.Env.fromConfigMap(kplus.ConfigMap.fromConfigMapName(chart, 'cfg', 'shop-config')));
    shop.container.mount('/etc/shop', kplus.Volume.fromConfigMap(chart, 'cfg-vol', kplus.ConfigMap.fromConfigMapName(chart, 'cfg2', 'shop-files')));
    const objects = synth(chart);
    const c = only(objects, 'Deployment', canary.name).spec.template.spec;
    const env = Object.fromEntries(c.containers[0].env.map((e: any) => [e.name, e]));
    expect(env.DB_PASSWORD.valueFrom.secretKeyRef).toEqual({ name: 'shop-db', key: 'password' });
    // the canary's own env still wins
    expect(env.LOG_LEVEL.value).toBe('debug');
    expect(c.containers[0].envFrom).toEqual([{ configMapRef: { name: 'shop-config' } }]);
    expect(c.containers[0].volumeMounts.map((m: any) => m.mountPath).sort()).toEqual(['/etc/shop', '/tmp']);
    expect(c.volumes.map((v: any) => v.configMap?.name).filter(Boolean)).toEqual(['shop-files']);
    // and the stable Deployment is unchanged by it
    expect(only(objects, 'Deployment', 'shop').spec.template.spec.containers[0].env.find((e: any) => e.name === 'LOG_LEVEL').value).toBe('info');
  });

  test('a sidecar on the stable pod cannot be carried: an error naming it', () => {
    const { chart, shop } = setup();
    new CanaryRelease(chart, 'canary', { stable: shop, image: NEXT, match: [CanaryMatch.weight(10)] });
    shop.deployment.addContainer({ name: 'log-shipper', image: 'ghcr.io/acme/shipper:2.0.1', portNumber: 9000 });
    expect(() => synth(chart)).toThrow(
      "CanaryRelease 'test/canary': 'stable' has containers besides the app container, which the canary cannot copy, got [\"log-shipper\"]. " +
        'Add the same containers to canary.deployment (the CanaryRelease escape hatch), or keep them out of the app.',
    );
  });
});
