import { Chart, Duration, Size, Testing } from 'cdk8s';
import {
  AffinityMode,
  CanaryMatch,
  CanaryRelease,
  RedisSessionStore,
  RedisTopology,
  ServiceAffinity,
  SessionStore,
  StatelessErrors,
  StatelessWebApp,
  StickyIngress,
  TrafficProvider,
} from '../src';
import { invariantErrors } from './support/invariant';
import { only, synth } from './support/synth';

/**
 * Each class of bad input test/property.test.ts found, with its rule's exact message. Most
 * crashed with an unclear error or synthesized output a cluster rejects or misreads before this branch; a few (2**32+1
 * Sentinels, a trailing newline in an image, 'Public Nginx', match: [null]) were already refused on main and stay so.
 */

const IMAGE = 'ghcr.io/acme/shop:1.9.0';
function chart() {
  return new Chart(Testing.app(), 'shop', { namespace: 'shop' });
}

describe('bad input found by the property: a ValidationError with the exact message', () => {
  test.each<[string, () => void, string]>([
    ['a store memory with neither request nor limit', () => new RedisSessionStore(chart(), 'sessions', { resources: { memory: {} } as any }), "RedisSessionStore 'shop/sessions': 'resources.memory' must have a request or a limit (maxmemory is derived from it), got {}. Use { request: Size.mebibytes(256), limit: Size.mebibytes(256) }, or leave memory out for the default."],
    ['512 KiB of memory (cdk8s-plus writes whole Mi)', () => new RedisSessionStore(chart(), 'sessions', { resources: { memory: { request: Size.kibibytes(512) } } as any }), "RedisSessionStore 'shop/sessions': 'resources.memory.request' must be a whole number of mebibytes, at least 1 (memory and storage are written in Mi), got \"0.5Mi\". Use Size.mebibytes(512) or Size.gibibytes(1)."],
    ['sentinelDownAfter of 1500.5 ms', () => new RedisSessionStore(chart(), 'sessions', { topology: RedisTopology.SENTINEL, sentinelDownAfter: Duration.millis(1500.5) }), "RedisSessionStore 'shop/sessions': 'sentinelDownAfter' must be a whole number of milliseconds, got \"1500.5ms\". Use Duration.seconds(5)."],
    ['failoverTimeout of NaN seconds', () => new RedisSessionStore(chart(), 'sessions', { topology: RedisTopology.SENTINEL, failoverTimeout: Duration.seconds(NaN) }), "RedisSessionStore 'shop/sessions': 'failoverTimeout' must be a whole number of milliseconds, got \"NaNms\". Use Duration.seconds(60)."],
    ['2**32+1 Sentinels', () => new RedisSessionStore(chart(), 'sessions', { topology: RedisTopology.SENTINEL, sentinels: 2 ** 32 + 1 }), "RedisSessionStore 'shop/sessions': 'sentinels' must be an odd whole number from 3 to 9 (a majority must agree on a failover), got 4294967297. Use 3 or 5."],
    ['half a MiB of storage', () => new RedisSessionStore(chart(), 'sessions', { storageSize: Size.mebibytes(0.5) }), "RedisSessionStore 'shop/sessions': 'storageSize' must be a whole number of mebibytes, at least 1 (memory and storage are written in Mi), got \"0.5Mi\". Use Size.gibibytes(1) or more."],
    ["a Secret name with '..'", () => new RedisSessionStore(chart(), 'sessions', { passwordSecretName: 'a..b' }), "RedisSessionStore 'shop/sessions': 'passwordSecretName' must be a Secret name (lower-case DNS subdomain), got \"a..b\". Use e.g. \"sessions-auth\"."],
    ["a StorageClass name with '.-'", () => new RedisSessionStore(chart(), 'sessions', { storageClassName: 'a.-b' }), "RedisSessionStore 'shop/sessions': 'storageClassName' must be an object name (a lower-case DNS subdomain), got \"a.-b\". Use e.g. \"fast-ssd\"."],
    ['a number as masterName (plain JS)', () => new RedisSessionStore(chart(), 'sessions', { masterName: 7 as any }), "RedisSessionStore 'shop/sessions': 'masterName' must be a string, got 7. Pass a string, or leave it out for the default."],
    ['cookie.maxAge of 1500.5 ms', () => { const c = chart(); const w = new StatelessWebApp(c, 'web', { name: 'web', image: IMAGE }); new StickyIngress(c, 's', { service: w.service, mode: AffinityMode.BALANCED, justification: 'x', cookie: { maxAge: Duration.millis(1500.5) } }); }, "StickyIngress 'shop/s': 'cookie.maxAge' must be a whole number of milliseconds, got \"1500.5ms\". Use e.g. Duration.hours(8), or leave it out for a session cookie."],
    ['cookie.expires of NaN seconds', () => { const c = chart(); const w = new StatelessWebApp(c, 'web', { name: 'web', image: IMAGE }); new StickyIngress(c, 's', { service: w.service, mode: AffinityMode.BALANCED, justification: 'x', cookie: { expires: Duration.seconds(NaN) } }); }, "StickyIngress 'shop/s': 'cookie.expires' must be a whole number of milliseconds, got \"NaNms\". Use e.g. Duration.hours(8), or leave it out for a session cookie."],
    ['a number as cookie.domain (plain JS)', () => { const c = chart(); const w = new StatelessWebApp(c, 'web', { name: 'web', image: IMAGE }); new StickyIngress(c, 's', { service: w.service, mode: AffinityMode.BALANCED, justification: 'x', cookie: { domain: 5 as any } }); }, "StickyIngress 'shop/s': 'cookie.domain' must be a DNS domain, optionally with a leading \".\", got 5. Use e.g. \".example.com\", or leave it out for a host-only cookie."],
    ["env FILE_MODE '0o644' (kubectl would read 420)", () => new StatelessWebApp(chart(), 'web', { name: 'web', image: IMAGE, env: { FILE_MODE: '0o644' } }), "StatelessWebApp 'shop/web': 'env.FILE_MODE' would be read back as a number by kubectl (cdk8s writes it without quotes, and YAML 1.1 reads it as an integer), got \"0o644\". Write it in a form cdk8s quotes (e.g. \"0644\" for \"0o644\", \"0x1F\" for \"0X1F\"), or set the variable from a ConfigMap."],
    ["env '0X1F' (kubectl would read 31)", () => new StatelessWebApp(chart(), 'web', { name: 'web', image: IMAGE, env: { MASK: '0X1F' } }), "StatelessWebApp 'shop/web': 'env.MASK' would be read back as a number by kubectl (cdk8s writes it without quotes, and YAML 1.1 reads it as an integer), got \"0X1F\". Write it in a form cdk8s quotes (e.g. \"0644\" for \"0o644\", \"0x1F\" for \"0X1F\"), or set the variable from a ConfigMap."],
    ['a number as env value (plain JS)', () => new StatelessWebApp(chart(), 'web', { name: 'web', image: IMAGE, env: { PORT: 8080 as any } }), "StatelessWebApp 'shop/web': 'env.PORT' must be a string, got 8080. Pass the value as a string, e.g. \"8080\" or \"true\"."],
    ['a string as env (plain JS)', () => new StatelessWebApp(chart(), 'web', { name: 'web', image: IMAGE, env: 'x' as any }), "StatelessWebApp 'shop/web': 'env' must be a map of variable names to string values, got \"x\". Pass e.g. { LOG_LEVEL: \"info\" }."],
    ['an IP address as Ingress host', () => new StatelessWebApp(chart(), 'web', { name: 'web', image: IMAGE, host: '10.0.0.1' }), "StatelessWebApp 'shop/web': 'host' must be a DNS name, not an IP address, got \"10.0.0.1\". Use a DNS name that resolves to the address, e.g. \"api.example.com\"."],
    ['a number as host (plain JS)', () => new StatelessWebApp(chart(), 'web', { name: 'web', image: IMAGE, host: 5 as any }), "StatelessWebApp 'shop/web': 'host' must be a string, got 5. Pass the host name as a string, e.g. \"api.example.com\"."],
    ['an array as path (plain JS)', () => new StatelessWebApp(chart(), 'web', { name: 'web', image: IMAGE, path: ['/a'] as any }), "StatelessWebApp 'shop/web': 'path' must be a string, got [\"/a\"]. Pass the path as a string, e.g. \"/api\"."],
    ['a number as name (plain JS)', () => new StatelessWebApp(chart(), 'web', { name: 7 as any, image: IMAGE }), "StatelessWebApp 'shop/web': 'name' must be a string, got 7. Pass a name such as \"rider-api\", or leave it out to derive one from the construct path."],
    ['an image with a trailing newline', () => new StatelessWebApp(chart(), 'web', { name: 'web', image: IMAGE + '\n' }), "StatelessWebApp 'shop/web': 'image' must not contain white space or line breaks, got \"ghcr.io/acme/shop:1.9.0\\n\". Pass a single image reference, e.g. \"ghcr.io/acme/web:1.4.2\"."],
    ['1.5 MiB memory limit', () => new StatelessWebApp(chart(), 'web', { name: 'web', image: IMAGE, resources: { memory: { limit: Size.kibibytes(1536) } } as any }), "StatelessWebApp 'shop/web': 'resources.memory.limit' must be a whole number of mebibytes, at least 1 (memory and storage are written in Mi), got \"1.5Mi\". Use Size.mebibytes(512) or Size.gibibytes(1)."],
    ['ingressClassName null (plain JS)', () => TrafficProvider.ingressNginx({ ingressClassName: null as any }), "TrafficProvider.ingressNginx: 'ingressClassName' must be a string, got null. Use e.g. \"nginx\"."],
    ["ingressClassName 'Public Nginx'", () => TrafficProvider.ingressNginx({ ingressClassName: 'Public Nginx' }), "TrafficProvider.ingressNginx: 'ingressClassName' must be an object name (a lower-case DNS subdomain), got \"Public Nginx\". Use e.g. \"nginx\"."],
    ["ingressClassName 'a..b'", () => TrafficProvider.ingressNginx({ ingressClassName: 'a..b' }), "TrafficProvider.ingressNginx: 'ingressClassName' must be an object name (a lower-case DNS subdomain), got \"a..b\". Use e.g. \"nginx\"."],
    ['an external host with a URL fragment', () => SessionStore.external({ host: 'redis.example.com#x', passwordSecretName: 'auth' }), "SessionStore.external: 'host' must be a DNS name or an IPv4 address, got \"redis.example.com#x\". Pass the endpoint host name of the managed Redis, e.g. \"sessions.abc123.cache.amazonaws.com\"."],
    ["tls: 'false' from plain JS", () => SessionStore.external({ host: 'redis.example.com', passwordSecretName: 'auth', tls: 'false' as any }), "SessionStore.external: 'tls' must be true or false, got \"false\". Pass a boolean (the string \"false\" is not false)."],
    ["an app 'sessions' next to a store 'sessions'", () => { const c = chart(); new StatelessWebApp(c, 'web', { name: 'sessions', image: IMAGE }); new RedisSessionStore(c, 'store', { name: 'sessions' }); }, "RedisSessionStore 'shop/store': 'name' gives the Service \"sessions\" in namespace \"shop\", which StatelessWebApp 'shop/web' also writes (one would overwrite the other on the cluster), got \"sessions\". Give one of the two a different name."],
    ["two apps named 'web'", () => { const c = chart(); new StatelessWebApp(c, 'a', { name: 'web', image: IMAGE }); new StatelessWebApp(c, 'b', { name: 'web', image: IMAGE }); }, "StatelessWebApp 'shop/b': 'name' gives the Deployment \"web\" in namespace \"shop\", which StatelessWebApp 'shop/a' also writes (one would overwrite the other on the cluster), got \"web\". Give one of the two a different name."],
    ['a canary whose Deployment another app already writes', () => { const c = chart(); const w = new StatelessWebApp(c, 'web', { name: 'web', image: IMAGE, host: 'a.example.com' }); new StatelessWebApp(c, 'other', { name: 'web-canary-v2', image: IMAGE }); new CanaryRelease(c, 'canary', { stable: w, image: 'ghcr.io/acme/shop:2.0.0', match: [CanaryMatch.weight(10)], releaseId: 'v2' }); }, "CanaryRelease 'shop/canary': 'stable' gives the Deployment \"web-canary-v2\" in namespace \"shop\", which StatelessWebApp 'shop/other' also writes (one would overwrite the other on the cluster), got \"web-canary-v2\". Rename the other construct, or the stable app."],
    ['match: [null] (plain JS)', () => { const c = chart(); const w = new StatelessWebApp(c, 'web', { name: 'web', image: IMAGE, host: 'a.example.com' }); new CanaryRelease(c, 'canary', { stable: w, image: 'ghcr.io/acme/shop:2.0.0', match: [null as any] }); }, "CanaryRelease 'shop/canary': 'match' must be built with CanaryMatch.weight, .header, .headerPattern or .cookie, got null. Use the CanaryMatch factories."],
    ['a DEL in an env value (kubectl refuses the whole file)', () => new StatelessWebApp(chart(), 'web', { name: 'web', image: IMAGE, env: { A: 'x\u007f' } }), "StatelessWebApp 'shop/web': 'env.A' must not contain the control character U+007F (kubectl's YAML reader refuses the file or reads a line break), got \"x\u007f\". Remove it."],
    ['a line separator in a justification', () => ServiceAffinity.clientIp({ justification: 'legacy\u2028app' }), "ServiceAffinity.clientIp: 'justification' must not contain the control character U+2028 (kubectl's YAML reader refuses the file or reads a line break), got \"legacy\u2028app\". Remove it."],
    ['a string as autoscaling (plain JS)', () => new StatelessWebApp(chart(), 'web', { name: 'web', image: IMAGE, autoscaling: 'aaa' as any }), "StatelessWebApp 'shop/web': 'autoscaling' must be an object with maxReplicas, got \"aaa\". Pass e.g. { minReplicas: 2, maxReplicas: 10 }."],
    ['autoscaling without maxReplicas (plain JS)', () => new StatelessWebApp(chart(), 'web', { name: 'web', image: IMAGE, autoscaling: { minReplicas: 2 } as any }), "StatelessWebApp 'shop/web': 'autoscaling.maxReplicas' is required, got (nothing). Pass the most pods the HPA may run, e.g. 10."],
    ['passwordSecretKey: true from plain JS', () => SessionStore.external({ host: 'a.example.com', passwordSecretName: 'a', passwordSecretKey: true as any }), "SessionStore.external: 'passwordSecretKey' must be a Secret key (letters, digits, \"-\", \"_\", \".\"), got true. Use e.g. \"password\" or \"auth-token\"."],
    ['a canary header name kubectl would read as a number', () => {
      const c = chart();
      const web = new StatelessWebApp(c, 'web', { name: 'web', image: IMAGE, host: 'a.example.com' });
      new CanaryRelease(c, 'canary', { stable: web, image: 'ghcr.io/acme/shop:2.0.0', match: [CanaryMatch.header('0o644')] });
    }, "CanaryRelease 'shop/canary': 'match.header' would be read back as a number by kubectl (cdk8s writes it without quotes, and YAML 1.1 reads it as an integer), got \"0o644\". Use e.g. \"region\" or \"x-canary\"."],
    ["a clusterDomain with '..'", () => new RedisSessionStore(chart(), 'sessions', { clusterDomain: 'a..b' }), "RedisSessionStore 'shop/sessions': 'clusterDomain' must be a DNS domain, got \"a..b\". Use your cluster's DNS domain, usually \"cluster.local\"."],
    ["a Gateway sectionName with '..'", () => TrafficProvider.gatewayApi({ gatewayName: 'public', sectionName: 'a..b' }), "TrafficProvider.gatewayApi: 'sectionName' must be a listener name (DNS subdomain), got \"a..b\". Use e.g. \"https\"."],
    ['a number as gatewayNamespace (plain JS)', () => TrafficProvider.gatewayApi({ gatewayName: 'public', gatewayNamespace: 123 as any }), "TrafficProvider.gatewayApi: 'gatewayNamespace' must be a namespace name (DNS label), got 123. Use e.g. \"gateways\"."],
    ['a number as cookie.name (plain JS)', () => {
      const c = chart();
      const web = new StatelessWebApp(c, 'web', { name: 'web', image: IMAGE });
      new StickyIngress(c, 's', { service: web.service, mode: AffinityMode.BALANCED, justification: 'x', cookie: { name: 42 as any } });
    }, "StickyIngress 'shop/s': 'cookie.name' must be an RFC 6265 token (visible ASCII, no spaces, no separators such as ()<>@,;:\\\"/[]?={}), got 42. Use e.g. \"route\" or \"SERVERID\"."],
  ])('%s', (_name, build, message) => {
    let error: unknown;
    try {
      build();
    } catch (e) {
      error = e;
    }
    expect(StatelessErrors.isValidationError(error)).toBe(true);
    expect((error as Error).message).toBe(message);
  });
});

describe('what the property found, beyond refusals', () => {
  test('a RedisSessionStore refused in its constructor leaves nothing in the tree', () => {
    const c = chart();
    expect(() => new RedisSessionStore(c, 'sessions', { name: 'Sessions' })).toThrow(/'name' must be a DNS-1035 label/);
    expect(c.node.tryFindChild('sessions')).toBeUndefined();
    expect(synth(c)).toEqual([]);
  });

  test('the second of two constructs writing one object is removed; the first one\'s objects are synthesized once', () => {
    const c = chart();
    new StatelessWebApp(c, 'web', { name: 'sessions', image: IMAGE });
    expect(() => new RedisSessionStore(c, 'store', { name: 'sessions' })).toThrow(/which StatelessWebApp 'shop\/web' also writes/);
    expect(c.node.tryFindChild('store')).toBeUndefined();
    const objects = synth(c);
    expect(objects.filter((o) => o.kind === 'Service').map((o) => o.metadata.name)).toEqual(['sessions']);
    expect(invariantErrors(objects)).toEqual([]);
  });

  test('literal env values reach the container unchanged: "$" is written as "$$" (Kubernetes expands $(VAR) and reduces $$ to $)', () => {
    const c = chart();
    new StatelessWebApp(c, 'web', { name: 'web', image: IMAGE, env: { PASSWORD: 'pa$$word', GREETING: 'hi $(USER)', PLAIN: 'no dollars' } });
    const env = only(synth(c), 'Deployment').spec.template.spec.containers[0].env;
    expect(env).toEqual(expect.arrayContaining([
      { name: 'PASSWORD', value: 'pa$$$$word' },
      { name: 'GREETING', value: 'hi $$(USER)' },
      { name: 'PLAIN', value: 'no dollars' },
    ]));
  });

  test('env values that YAML 1.1 would read as numbers but cdk8s quotes are accepted and read back as strings', () => {
    const c = chart();
    new StatelessWebApp(c, 'web', { name: 'web', image: IMAGE, env: { A: '0644', B: '0x1F', C: '1e3', D: 'yes', E: '~' } });
    expect(invariantErrors(synth(c))).toEqual([]);
  });

  test('an IPv4 address stays a valid external store host; a URL part does not', () => {
    expect(SessionStore.external({ host: '10.0.0.7', passwordSecretName: 'auth' }).connection.host).toBe('10.0.0.7');
    expect(() => SessionStore.external({ host: 'redis.example.com?x', passwordSecretName: 'auth' })).toThrow(/'host' must be a DNS name or an IPv4 address/);
  });
});
