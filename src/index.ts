export { RiskCode, RiskWarning, Warnings } from './warnings';
export { ITrafficProvider, RouteSpec, TrafficProvider } from './traffic/traffic-provider';
export { IngressNginxOptions } from './traffic/ingress-nginx';
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
export { StatelessWebApp, StatelessWebAppProps, AutoscalingOptions } from './web-app/stateless-web-app';
export { RedisSessionStore, RedisSessionStoreProps } from './session/redis-session-store';
export { RiskDescription } from './warnings';
export { CookieStickiness, RenderedRoute } from './traffic/traffic-provider';
export { AffinityMode, SameSite } from './affinity/affinity-mode';
export { StickyIngress, StickyIngressProps, StickyCookieOptions } from './affinity/sticky-ingress';
export { ServiceAffinity, ClientIpAffinityOptions } from './affinity/service-affinity';
export { CanaryRouteSpec } from './traffic/traffic-provider';
export { CanaryMatch, CanaryMatchKind } from './canary/canary-match';
export { CanaryRelease, CanaryReleaseProps } from './canary/canary-release';
export { GatewayApiOptions } from './traffic/gateway-api';
export { StatelessErrors, ValidationErrorDetails } from './errors';
// #14 item 10: the optional primary endpoint of a Sentinel store
export { PrimaryEndpoint, PrimaryEndpointOptions } from './session/primary-endpoint';
// #14 item 9: the optional metrics of a store
export { StoreMetrics, StoreMetricsOptions } from './session/store-metrics';
