/**
 * The README's risk table, one row per code or group of codes: what reports it and what it means. The table in
 * README.md (between the `risk-table` markers) is generated from these rows, and test/risk-table.test.ts fails when
 * the README, these rows and the registered codes (every exported `*RiskCode` enum) differ.
 */

/** One row of the table. */
export interface RiskTableRow {
  /** The codes of the row (several when they share a section of the README). */
  readonly codes: string[];
  /** Which construct reports them, and when (Markdown). */
  readonly reportedBy: string;
  /** What they mean, in one line (Markdown). */
  readonly meaning: string;
}

export const RISK_TABLE: RiskTableRow[] = [
  { codes: ['APP_SINGLE_REPLICA'], reportedBy: '`StatelessWebApp`', meaning: 'one replica (or an HPA minimum of 1): a drain, eviction or crash is an outage, and no PDB can protect a single pod' },
  { codes: ['STORE_SINGLE_POINT_OF_FAILURE'], reportedBy: '`RedisSessionStore` standalone', meaning: 'every session of every bound app is in one pod on one volume' },
  { codes: ['STORE_NAME_FROM_CONSTRUCT_PATH'], reportedBy: '`RedisSessionStore` without `name`', meaning: 'the name (and the Secret\'s, `<name>-auth`) derives from the construct path: moving or renaming the construct renames the StatefulSet and its volume claims, and a GitOps prune deletes the data' },
  { codes: ['ENV_SECRET_LITERAL'], reportedBy: '`StatelessWebApp` `env`, and the new version of a `CanaryRelease`', meaning: 'a variable whose name says it holds a secret (`DB_PASSWORD`, `API_KEY`, `SECRET_KEY_BASE`) has a literal value: it is written into the YAML and the GitOps repository' },
  { codes: ['STORE_WITHOUT_TLS'], reportedBy: '`StatelessWebApp` bound to `SessionStore.external({ tls: false })`', meaning: 'session ids and the password cross the network in clear text' },
  { codes: ['AFFINITY_UNEVEN_LOAD'], reportedBy: '`StickyIngress`, `ServiceAffinity`', meaning: 'users are pinned by a hash, not by load: hot pods (ride-hailing case study: 92% vs 24% CPU, p99 4,800 vs 1,200 ms)' },
  { codes: ['AFFINITY_SESSION_LOSS'], reportedBy: '`StickyIngress`, `ServiceAffinity` (no store bound)', meaning: 'sessions in pod memory die on pod restart, node restart, eviction, rollout, HPA scale-in, VPA update: about 1/n of them per pod' },
  { codes: ['AFFINITY_NO_SESSION_STORE'], reportedBy: '`StickyIngress`, `ServiceAffinity` (no store bound)', meaning: 'no shared session store behind the route: sessions die with the pod' },
  { codes: ['AFFINITY_HPA_BLINDNESS'], reportedBy: '`StickyIngress`, `ServiceAffinity` on an autoscaled app', meaning: 'the average CPU the HPA sees hides the hot pod (ride-hailing case study: 95% hot pod at a 53% average, below a 70% target)' },
  { codes: ['AFFINITY_BALANCED_REPIN'], reportedBy: '`StickyIngress` `BALANCED`', meaning: 'scaling from c to n pods re-pins about (n-c)/n of users (from the app\'s replicas and HPA maximum)' },
  { codes: ['AFFINITY_PERSISTENT_NO_REBALANCE'], reportedBy: '`StickyIngress` `PERSISTENT`', meaning: 'existing users never move to new pods, even off an overloaded pod; after a full restart the first pods up keep the users who return while they are alone' },
  { codes: ['AFFINITY_SECURE_COOKIE_WITHOUT_TLS'], reportedBy: '`StickyIngress` on an Ingress without TLS, `cookie.secure` true (the default)', meaning: 'browsers send a Secure cookie only over HTTPS: over plain HTTP no request carries the pin, and stickiness does nothing' },
  { codes: ['AFFINITY_CLIENT_IP_BEHIND_PROXY'], reportedBy: '`ServiceAffinity.clientIp`', meaning: 'behind an ingress or proxy the client IP is the proxy\'s; ingress-nginx skips the Service\'s affinity' },
  { codes: ['AFFINITY_CLIENT_IP_NAT'], reportedBy: '`ServiceAffinity.clientIp`', meaning: 'every client behind one NAT lands on one pod' },
  { codes: ['INGRESS_NGINX_RETIRED'], reportedBy: '`StickyIngress`, `CanaryRelease` on ingress-nginx', meaning: 'the controller was retired in March 2026 (no releases, no security fixes); its migration tool drops affinity and cookie canaries' },
  { codes: ['CANARY_SHARED_SESSIONS'], reportedBy: '`CanaryRelease` of an app with a session store', meaning: 'users who cross versions keep the session only if both versions read each other\'s session format' },
  { codes: ['CANARY_STICKY_DRIFT'], reportedBy: '`CanaryRelease` with `versionStickiness`', meaning: 'each user stays on the version they were first sent to (the pin is on the version\'s Service, not a pod), so the real share of users is not the configured weight: users the stable route\'s affinity cookie pinned before the release never reach the split on ingress-nginx (the share starts below the weight), and the canary keeps the users it gets when the weight is lowered (at weight 0, Traefik sends them back)' },
  { codes: ['CANARY_OVERRIDE_IGNORED_WHEN_PINNED'], reportedBy: '`CanaryRelease` on ingress-nginx with a sticky stable route and a header or cookie match', meaning: 'ingress-nginx checks the affinity cookie first: a user already pinned to a version is not moved by the header or cookie' },
  { codes: ['INGRESS_NGINX_CANARY_KEEPS_OVERRIDE_USERS'], reportedBy: 'the same, with `versionStickiness`', meaning: 'a user who reached the canary by header or cookie gets its affinity cookie and stays without sending them again' },
  { codes: ['INGRESS_NGINX_CANARY_FIRST_REQUESTS_ONLY'], reportedBy: '`CanaryRelease` on ingress-nginx with a sticky stable route, without `versionStickiness` (`affinity-canary-behavior: legacy`)', meaning: 'the canary sets no cookie, the first stable answer pins a user to stable for good: the canary sees mostly first requests' },
  { codes: ['INGRESS_NGINX_BALANCED_ROLLBACK_KEEPS_COOKIE'], reportedBy: '`CanaryRelease` with `versionStickiness` on ingress-nginx with a `BALANCED` sticky stable route', meaning: "a canary user's cookie is not replaced when the canary is removed (a balanced key always finds a stable pod), so it pins them to no version: at the next release they go through the split on every request until it expires" },
  { codes: ['INGRESS_NGINX_REGEX_PATH'], reportedBy: 'a `PathType.REGULAR_EXPRESSION` path on ingress-nginx', meaning: 'use-regex makes every path of the host, from every Ingress, a case-insensitive expression anchored at the start only' },
  { codes: ['INGRESS_NGINX_PATTERN_UNANCHORED'], reportedBy: 'a header pattern without `^...$` on ingress-nginx', meaning: 'the pattern is searched anywhere in the value (`east` matches `xeastx`); Envoy-based gateways match the whole value' },
  { codes: ['TRAEFIK_REGEX_DIALECT'], reportedBy: 'a `PathType.REGULAR_EXPRESSION` path or a header pattern on Traefik', meaning: "Traefik matches with Go's regexp (RE2 syntax: no lookaround or backreferences), and finds a match anywhere in the value unless anchored with `^...$`" },
  { codes: ['TRAEFIK_COOKIE_MATCH_ON_HEADER'], reportedBy: '`CanaryMatch.cookie` on Traefik', meaning: 'Traefik v3 has no cookie matcher: the rule reads the raw `Cookie` header, so a request carrying the cookie twice reaches the canary if any copy is `always`' },
  { codes: ['CANARY_SAME_IMAGE'], reportedBy: '`CanaryRelease`', meaning: 'the canary image equals the stable one: the release compares nothing' },
  { codes: ['ENGINE_OWNS_PODS', 'ENGINE_ANALYSIS_AGGREGATE', 'ENGINE_ADOPTION_IN_PROGRESS', 'FLAGGER_PRIMARY_COPY', 'ENGINE_REWRITES_RENDERED_FIELDS', 'ARGO_NGINX_HEADER_ROUTE_STATIC', 'ARGO_TRAEFIK_HEADER_ROUTE_STATIC'], reportedBy: '`CanaryRelease` with Argo Rollouts or Flagger (`EngineRiskCode`, and the providers\' engine parts)', meaning: 'what the engine owns and rewrites, the adopting commit, and header routes the engine cannot move: see [docs/progressive-delivery.md](docs/progressive-delivery.md)' },
  { codes: ['GATEWAY_API_EXPERIMENTAL'], reportedBy: '`StickyIngress` on Gateway API', meaning: '`sessionPersistence` exists only in the experimental-channel CRDs (a standard-channel cluster rejects or drops it); support varies; GEP-4894 lists session persistence among features follow-on GEPs may move to a Backend resource' },
  { codes: ['GATEWAY_API_SESSION_PER_RULE'], reportedBy: 'a header canary on a sticky Gateway API route', meaning: 'sessions are per HTTPRoute rule (GEP-1619): a user sent to the canary by the header rule is pinned only while they keep sending the header' },
  { codes: ['GATEWAY_API_IMPLEMENTATION_SPECIFIC'], reportedBy: 'a regular-expression path, header pattern or cookie match on Gateway API', meaning: 'each implementation has its own regex dialect and support' },
  { codes: ['GATEWAY_API_VERSION_COOKIE'], reportedBy: '`CanaryRelease` with `versionStickiness` on Gateway API without a `StickyIngress`', meaning: 'the version cookie is set by a backendRef filter and read by a regex `Cookie` match, both beyond Core: NGINX Gateway Fabric answers 500 for the whole weighted rule and Kong rejects the route (name your implementation to have it checked); the cookie expires by its Max-Age, not renewed' },
];

/** The Markdown table, as README.md holds it between the markers. */
export function renderRiskTable(rows: RiskTableRow[] = RISK_TABLE): string {
  return [
    '| code | reported by | meaning |',
    '|---|---|---|',
    ...rows.map((r) => `| ${r.codes.map((c) => `\`${c}\``).join(', ')} | ${r.reportedBy} | ${r.meaning} |`),
  ].join('\n');
}
