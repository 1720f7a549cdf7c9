// core
export { StatelessErrors, ValidationErrorDetails } from './errors';
export { Prerequisite, RiskCode, RiskDescription, RiskWarning, Warnings } from './warnings';
// the traffic seam: what an out-of-tree provider implements and reads
export {
  BackendRef,
  CanaryIntent,
  CookieStickiness,
  ITrafficProvider,
  ArgoRolloutsRouting,
  EngineMetricQueries,
  EngineMetricsRequest,
  EngineRouteRequest,
  FlaggerRouting,
  IReleaseEngineSupport,
  ReleaseEngineKind,
  PathType,
  ProviderRisk,
  RenderedRoute,
  RenderedRouteObject,
  RouteContributor,
  RouteIntent,
  RouteRole,
} from './traffic/provider-contract';
// the providers shipped with the library
export { TrafficProvider } from './traffic/factory';
export { IngressNginxOptions, IngressNginxRiskCode } from './traffic/ingress-nginx';
export { GatewayApiOptions, GatewayApiRiskCode } from './traffic/gateway-api';
export { GatewayApiCrdVersion, GatewayImplementation, NginxGatewayFabricOptions } from './traffic/gateway-api-implementations';
// the version cookie of a canary on Gateway API
export { GatewayVersionCookie } from './traffic/gateway-api';
// the Traefik provider
export { TraefikOptions, TraefikRiskCode } from './traffic/traefik';
// session store
export {
  ISessionStore,
  SessionStore,
  SessionStoreConnection,
  SessionStoreClient,
  SessionStoreAccess,
  ExternalSessionStoreProps,
  RedisTopology,
} from './session/session-store';
export { SessionEnvPreset } from './session/env-presets';
export { RedisSessionStore, RedisSessionStoreProps } from './session/redis-session-store';
// constructs
export { StatelessWebApp, StatelessWebAppProps } from './web-app/stateless-web-app';
export { AutoscalingOptions } from './web-app/app-workload';
export { AffinityMode, SameSite } from './traffic/affinity-mode';
export { StickyIngress, StickyIngressProps, StickyCookieOptions } from './affinity/sticky-ingress';
// a Service of any cdk8s app (any cdk8s-plus major, or a core ApiObject)
export { ServiceReference, ServiceReferences } from './affinity/sticky-ingress';
export { ServiceAffinity, ClientIpAffinityOptions } from './affinity/service-affinity';
export { CanaryMatch, CookieMatch, HeaderMatch, HeaderPatternMatch, WeightMatch } from './traffic/canary-match';
export { CanaryRelease, CanaryReleaseProps } from './canary/canary-release';
// the optional primary endpoint of a Sentinel store
export { PrimaryEndpoint, PrimaryEndpointOptions } from './session/primary-endpoint';
// the optional metrics of a store
export { StoreMetrics, StoreMetricsOptions } from './session/store-metrics';
// progressive-delivery engines for CanaryRelease
export { IReleaseEngine, ReleaseAnalysis } from './canary/engine-contract';
export { EngineRiskCode } from './traffic/engine-risks';
export { ReleaseEngine } from './canary/release-engine';
export { ArgoRolloutsOptions } from './canary/argo-rollouts';
export { FlaggerOptions } from './canary/flagger';
