import { SameSite } from '../src/traffic/affinity-mode';
import { isHttpRoute, readHttpRoute } from '../src/traffic/gateway-api-reader';
import { NGINX_ANNOTATION_RULES } from '../src/traffic/ingress-nginx';
import { isCanaryOf, readIngressNginx } from '../src/traffic/ingress-nginx-reader';
import { PathType } from '../src/traffic/provider-contract';
import { isTraefikIngressRoute, readIngressRoute, readTraefikWeighted } from '../src/traffic/traefik-reader';

const P = 'nginx.ingress.kubernetes.io/';

function ingress(name: string, annotations: { [k: string]: string }, path = '/', pathType = 'Prefix', ingressClassName?: string): any {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name, annotations: Object.fromEntries(Object.entries(annotations).map(([k, v]) => [P + k, v])) },
    spec: {
      ingressClassName,
      rules: [{ host: 'shop.example.com', http: { paths: [{ path, pathType, backend: { service: { name, port: { number: 80 } } } }] } }],
    },
  };
}

describe('ingress-nginx reader: values as ingress-nginx keeps them, defaults for the rest', () => {
  test('absent annotations: the defaults of NGINX_ANNOTATION_RULES, spelled out', () => {
    const r = readIngressNginx(ingress('cart', { affinity: 'cookie' }));
    expect(r.affinity).toEqual({
      mode: 'balanced',
      cookieName: 'INGRESSCOOKIE',
      cookiePath: undefined,
      cookieDomain: undefined,
      sameSite: undefined,
      conditionalSameSiteNone: false,
      maxAgeSeconds: undefined,
      expiresSeconds: undefined,
      secure: false,
      changeOnFailure: false,
    });
    expect([r.ingressClass, r.classFrom, r.useRegex, r.canary]).toEqual(['nginx', 'the default class of ingress-nginx', false, undefined]);
    expect(r.get('session-cookie-name')).toBe(NGINX_ANNOTATION_RULES['session-cookie-name'].absent);
  });

  test('refused values are read as absent, with the reason; kept values are trimmed and typed', () => {
    const r = readIngressNginx(
      ingress('cart', {
        'affinity': ' cookie ',
        'affinity-mode': 'Persistent',
        'session-cookie-name': 'cart route',
        'session-cookie-samesite': 'STRICT',
        'session-cookie-max-age': '3600',
        'session-cookie-secure': 'yes',
      }),
    );
    expect(r.affinity).toMatchObject({ mode: 'balanced', cookieName: 'cart route', sameSite: SameSite.STRICT, maxAgeSeconds: 3600, secure: false });
    expect(r.annotation('affinity-mode')).toMatchObject({ raw: 'Persistent', ignored: 'not one of balanced, persistent' });
    expect(r.has('affinity-mode')).toBe(false);
    expect(r.annotation('session-cookie-secure')?.ignored).toBe('not a Go boolean (strconv.ParseBool)');
  });

  test('canary: a header value wins over a pattern, an invalid weight is no weight rule, "legacy" only as written', () => {
    const r = readIngressNginx(
      ingress('cart-canary', {
        'canary': 'true',
        'canary-by-header': 'x-canary',
        'canary-by-header-value': 'yes',
        'canary-by-header-pattern': '^y',
        'canary-weight': 'ten',
        'affinity-canary-behavior': 'LEGACY',
      }),
    );
    expect(r.canary).toMatchObject({ header: 'x-canary', headerValue: 'yes', headerPattern: undefined, weight: 0, weightSet: false, weightTotal: 100, versionSticky: true });
    expect(r.canary!.matches.map((m) => m.describe())).toEqual(["CanaryMatch.header('x-canary', 'yes')"]);
  });

  test('a canary pairs with the stable Ingress of the same class, host, path and pathType only', () => {
    const stable = readIngressNginx(ingress('cart', {}));
    const canary = (path: string, pathType: string, cls?: string) => readIngressNginx(ingress('c', { canary: 'true' }, path, pathType, cls));
    expect(isCanaryOf(canary('/', 'Prefix'), stable)).toBe(true);
    expect(isCanaryOf(canary('/', 'Exact'), stable)).toBe(false);
    expect(isCanaryOf(canary('/x', 'Prefix'), stable)).toBe(false);
    expect(isCanaryOf(canary('/', 'Prefix', 'internal'), stable)).toBe(false);
    expect(isCanaryOf(stable, stable)).toBe(false);
  });
});

describe('Gateway API reader: the HTTPRoute CRD defaults made explicit', () => {
  test('weight 1, type Cookie, Service refs only, path prefix "/" and header matches', () => {
    const route = {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: { name: 'shop' },
      spec: {
        parentRefs: [{ name: 'public' }],
        rules: [
          { backendRefs: [{ name: 'a', port: 8080 }, { name: 'b', port: 8080, weight: 0 }, { group: 'example.io', kind: 'Bucket', name: 'c' }], sessionPersistence: { sessionName: 's' } },
          { matches: [{ path: { type: 'Exact', value: '/x' }, headers: [{ name: 'x-canary', value: 'always' }, { type: 'RegularExpression', name: 'r', value: '^e' }] }] },
        ],
      },
    };
    expect(isHttpRoute(route)).toBe(true);
    const r = readHttpRoute(route);
    expect(r.gatewayName).toBe('public');
    expect(r.rules[0]).toMatchObject({
      path: '/',
      pathType: PathType.PREFIX,
      backends: [{ serviceName: 'a', port: 8080, weight: 1 }, { serviceName: 'b', port: 8080, weight: 0 }],
      persistence: { type: 'Cookie', sessionName: 's' },
    });
    expect([r.rules[1].path, r.rules[1].pathType]).toEqual(['/x', PathType.EXACT]);
    expect(r.rules[1].headerMatches.map((m) => m.describe())).toEqual(["CanaryMatch.header('x-canary', 'always')", "CanaryMatch.headerPattern('r', '^e')"]);
  });
});

describe('Traefik reader: kind "" is a Service, weight 1 when absent', () => {
  test('IngressRoute services and a weighted TraefikService', () => {
    const route = {
      apiVersion: 'traefik.io/v1alpha1',
      kind: 'IngressRoute',
      spec: { routes: [{ services: [{ name: 'a', sticky: { cookie: {} } }, { name: 'wrr', kind: 'TraefikService' }] }] },
    };
    expect(isTraefikIngressRoute(route)).toBe(true);
    expect(readIngressRoute(route).routes).toEqual([[{ serviceName: 'a', namespace: undefined, weight: 1, stickyCookie: { name: undefined } }]]);
    const wrr = readTraefikWeighted({ spec: { weighted: { services: [{ name: 'a', weight: 3 }, { name: 'b' }], sticky: { cookie: { name: 'v' } } } } });
    expect(wrr?.all).toEqual([{ name: 'a', weight: 3 }, { name: 'b', weight: 1 }]);
    expect(wrr?.stickyCookie).toEqual({ name: 'v' });
    expect(readTraefikWeighted({ spec: {} })).toBeUndefined();
  });
});
