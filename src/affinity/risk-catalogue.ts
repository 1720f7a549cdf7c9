import { IConstruct } from 'constructs';
import { AffinityMode } from '../traffic/affinity-mode';
import { backendFacts } from '../traffic/route';
import { RiskCode, RiskDescription } from '../warnings';

/**
 * The risk catalogue of session affinity, from the articles the project comes from (the ride-hailing case
 * study among them), with the numbers of the construct at hand. Every message names the target and its replica counts; every remedy names
 * the alternative (a RedisSessionStore and no affinity).
 */

/** What is known about the workload behind an affinity route or Service. */
export interface AffinityTarget {
  /** Name used in messages (the app, or the Service when no app is known). */
  readonly name: string;
  /** Replicas (or the HPA minimum). */
  readonly minReplicas?: number;
  /** Replicas (or the HPA maximum). */
  readonly maxReplicas?: number;
  /** The HPA CPU target, when autoscaled. */
  readonly targetCpu?: number;
  /** Whether a session store is bound (undefined: unknown, the Service is not a StatelessWebApp's). */
  readonly hasSessionStore?: boolean;
}

const STATELESS = 'Keep sessions in a RedisSessionStore (sessionStore on the StatelessWebApp) and route without affinity.';
const CASE_STUDY_UNEVEN =
  'in the 6-pod ride-hailing case study pods ran at 92% vs 24% CPU and p99 was 4,800 ms on the hot pod vs 1,200 ms on the coolest ' +
  '(2,800 ms overall; without affinity 890 ms and 52%-49% CPU)';

/** The workload behind a Service: the numbers of the app that runs it, when a construct of this library does. */
export function affinityTarget(scope: IConstruct, serviceName: string): AffinityTarget {
  const facts = backendFacts(scope, serviceName);
  if (!facts) {
    return { name: `Service ${serviceName}` };
  }
  return {
    name: facts.appName,
    minReplicas: facts.minReplicas,
    maxReplicas: facts.maxReplicas,
    targetCpu: facts.targetCpu,
    hasSessionStore: facts.hasSessionStore,
  };
}

/**
 * The remedy for an app whose sessions are already in a store: the affinity then serves something else, usually
 * the version stickiness of a CanaryRelease, which needs it, so the remedy must not tell the user to remove it
 * while that holds.
 */
function storeRemedy(t: AffinityTarget): string {
  return (
    `${t.name} already keeps its sessions in a session store, so the affinity only serves keeping users on one version during a CanaryRelease: ` +
    'keep it for the release if you need that (and acknowledge this risk), and route without affinity once the release is over.'
  );
}

function pods(t: AffinityTarget): string {
  if (t.minReplicas === undefined) return 'its pods';
  return t.minReplicas === t.maxReplicas ? `${t.minReplicas} pods` : `${t.minReplicas}-${t.maxReplicas} pods`;
}

function percent(part: number, whole: number): number {
  return Math.round((part / whole) * 100);
}

/** Risks every kind of affinity shares. `how` is e.g. "Cookie affinity" or "ClientIP affinity". */
export function commonAffinityRisks(t: AffinityTarget, how: string): RiskDescription[] {
  const remedy = t.hasSessionStore ? storeRemedy(t) : STATELESS;
  const risks: RiskDescription[] = [
    {
      code: RiskCode.AFFINITY_UNEVEN_LOAD,
      message: `${how} pins each user of ${t.name} to one of ${pods(t)} by a hash, not by load; power users stay where the hash put them: ${CASE_STUDY_UNEVEN}.`,
      remedy,
    },
  ];
  if (t.hasSessionStore !== true) {
    const n = t.minReplicas;
    const share = n !== undefined ? `: each lost pod takes about 1/${n} = ${percent(1, n)}% of the sessions with it, and a rollout takes every session once` : '';
    risks.push(
      {
        code: RiskCode.AFFINITY_SESSION_LOSS,
        message:
          `Affinity is not durability: ${t.name} keeps sessions in pod memory, and a pod restart (failed liveness probe, OOMKill), a node restart, ` +
          `an eviction, a rollout${t.targetCpu !== undefined ? ', an HPA scale-in' : ''} or a VPA update loses the sessions on that pod${share}.`,
        remedy: STATELESS,
      },
      {
        code: RiskCode.AFFINITY_NO_SESSION_STORE,
        message:
          t.hasSessionStore === false
            ? `No session store is bound to ${t.name}: sessions exist only in the memory of the pod that created them and die with it.`
            : `No session store of this library is bound behind ${t.name}: unless the app shares sessions elsewhere, they die with the pod.`,
        remedy: 'Bind a RedisSessionStore with the sessionStore prop, move the session into it, then remove the affinity.',
      },
    );
  }
  if (t.targetCpu !== undefined) {
    risks.push({
      code: RiskCode.AFFINITY_HPA_BLINDNESS,
      message:
        `The HPA scales ${t.name} on average CPU (target ${t.targetCpu}%) across ${pods(t)}, but affinity makes one pod hot while others idle: ` +
        'in the ride-hailing case study the hottest pod hit 95% and dropped requests while the average was 53%, below the 70% target, so nothing scaled.',
      remedy: `Remove the affinity so the average is honest (the case study: 52%-49% on every pod), or scale on a per-pod signal such as p99 latency. ${remedy}`,
    });
  }
  return risks;
}

/** Risks of cookie affinity in a given mode. */
export function cookieAffinityRisks(t: AffinityTarget, mode: AffinityMode): RiskDescription[] {
  const risks = commonAffinityRisks(t, 'Cookie affinity');
  // scaling from c to n: the HPA range, or one more pod for a fixed count
  const c = t.minReplicas ?? 6;
  const n = t.maxReplicas !== undefined && t.maxReplicas > c ? t.maxReplicas : c + 1;
  const known = t.minReplicas !== undefined;
  const scaling = `${known ? '' : 'for example '}from ${c} to ${n} pods`;
  if (mode === AffinityMode.BALANCED) {
    risks.push({
      code: RiskCode.AFFINITY_BALANCED_REPIN,
      message:
        `balanced mode rebalances on scale-up: scaling ${t.name} ${scaling} re-pins about (${n}-${c})/${n} = ${percent(n - c, n)}% of users to another pod, ` +
        (t.hasSessionStore
          ? 'and each of them arrives at a cold pod (the session itself is safe in the store).'
          : 'and each of them loses what the old pod held in memory.'),
      remedy: t.hasSessionStore
        ? storeRemedy(t)
        : `${STATELESS} (AffinityMode.PERSISTENT keeps users in place but never rebalances.)`,
    });
  } else {
    // A user without a pin, or whose pod is gone, gets a random pod among those in the list at that moment
    // (ingress-nginx rootfs/etc/nginx/lua/balancer/sticky_persistent.lua pick_new_upstream: `random_except`,
    // controller-v1.15.1; the v3.7.9 weighted round robin of the third provider, pkg/server/service/loadbalancer/wrr/wrr.go
    // ServeHTTP: a cookie that names no healthy server falls through to a new pick) and keeps it: after a restart, who lands where depends on when each
    // user returns, not on how many pods there are in the end.
    risks.push({
      code: RiskCode.AFFINITY_PERSISTENT_NO_REBALANCE,
      message:
        `persistent mode never moves existing users: scaling ${t.name} ${scaling} adds ${n - c} pod${n - c === 1 ? '' : 's'} that only receive${n - c === 1 ? 's' : ''} new users, ` +
        'while an overloaded pod keeps every user it has. After a full restart each returning user is pinned to a pod that is already up when they return, and stays: ' +
        'the pods that start first keep the users who return early (all of them, if every user returns before a second pod is ready).',
      remedy: `${STATELESS} (AffinityMode.BALANCED spreads users on scale-up at the price of re-pinning them.)`,
    });
  }
  return risks;
}

/** Risks of ClientIP (L4) affinity on a Service. */
export function clientIpAffinityRisks(
  t: AffinityTarget,
  serviceName: string,
  timeoutSeconds: number,
  routedBy?: { controller: string; behaviour: string },
): RiskDescription[] {
  return [
    ...commonAffinityRisks(t, 'ClientIP affinity'),
    {
      code: RiskCode.AFFINITY_CLIENT_IP_BEHIND_PROXY,
      message:
        `ClientIP affinity on Service ${serviceName} keys on the source address of each connection; traffic through an ingress controller, ` +
        "a load balancer or a proxy arrives from the proxy's few addresses, so its users share one pin" +
        (routedBy ? `. ${t.name} is also routed by ${routedBy.controller}: ${routedBy.behaviour}.` : '.'),
      remedy: 'If affinity is unavoidable, use cookie affinity at L7 (StickyIngress). Better: a RedisSessionStore and no affinity.',
    },
    {
      code: RiskCode.AFFINITY_CLIENT_IP_NAT,
      message:
        `Every client behind one NAT (an office network, a mobile carrier's CGNAT) has the same address and lands on the same pod of ${serviceName} ` +
        `for ${timeoutSeconds} s after its last request.`,
      remedy: 'If affinity is unavoidable, use cookie affinity at L7 (StickyIngress). Better: a RedisSessionStore and no affinity.',
    },
  ];
}

/**
 * A Secure affinity cookie on an Ingress without TLS. Browsers send a Secure cookie only over
 * HTTPS (RFC 6265 section 5.4: "If the cookie's secure-only-flag is true, then the request-uri's scheme must
 * denote a 'secure' protocol"), so over plain HTTP every request arrives without the pin. With ingress-nginx,
 * `session-cookie-secure: "true"` sets Secure whatever the scheme, and "false" is dropped as a Go zero value
 * (pkg/apis/ingress/types.go `Secure bool json:"secure,omitempty"`), after which sticky.lua sets Secure exactly
 * when the request reached nginx over HTTPS (rootfs/etc/nginx/lua/balancer/sticky.lua, kubernetes/ingress-nginx
 * stored commit 223a0d2c: `if cookie_secure == nil then cookie_secure = ngx.var.https == "on" end`).
 */
export function secureCookieWithoutTlsRisk(t: AffinityTarget, routeName: string, host: string | undefined): RiskDescription {
  return {
    code: RiskCode.AFFINITY_SECURE_COOKIE_WITHOUT_TLS,
    message:
      `The affinity cookie of ${t.name} is Secure (cookie.secure, true by default) and the Ingress ${routeName} has no TLS (no tlsSecretName): ` +
      `a browser sends a Secure cookie back only over HTTPS, so a user who reaches ${host ?? 'the route'} over plain HTTP gets no pin, ` +
      'every request is balanced afresh, and stickiness silently does nothing.',
    remedy:
      'Set tlsSecretName so the route serves HTTPS. If TLS ends in front of the controller (a cloud load balancer) and users only reach https://, ' +
      'acknowledge this risk. To keep the pin over plain HTTP as well, set cookie.secure to false: ingress-nginx then marks the cookie Secure ' +
      'exactly when the request reached it over HTTPS.',
  };
}
