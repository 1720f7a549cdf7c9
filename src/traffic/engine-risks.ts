import { Warnings } from '../warnings';

/**
 * Risks that come from the progressive-delivery engines (Argo Rollouts, Flagger). The engines report the ones about
 * themselves; the providers' engine parts report the ones about an engine on their controller.
 */
export enum EngineRiskCode {
  /** The engine runs the app's pods: removing the release (its Rollout or Canary) while it does is an outage. */
  ENGINE_OWNS_PODS = 'ENGINE_OWNS_PODS',
  /** The analysis measures all canary pods together: one failing or slow pod is diluted by the others. */
  ENGINE_ANALYSIS_AGGREGATE = 'ENGINE_ANALYSIS_AGGREGATE',
  /** Flagger serves users from its own copy of the Deployment (`<name>-primary`), made at promotion time. */
  FLAGGER_PRIMARY_COPY = 'FLAGGER_PRIMARY_COPY',
  /** A controller rewrites fields the library renders (weights, replicas): the GitOps tool must ignore them. */
  ENGINE_REWRITES_RENDERED_FIELDS = 'ENGINE_REWRITES_RENDERED_FIELDS',
  /** Argo Rollouts' step-wise header routes do nothing on ingress-nginx: the header match is static instead. */
  ARGO_NGINX_HEADER_ROUTE_STATIC = 'ARGO_NGINX_HEADER_ROUTE_STATIC',
  /** Argo Rollouts' step-wise header routes do nothing on Traefik: the header and cookie matches are static instead. */
  ARGO_TRAEFIK_HEADER_ROUTE_STATIC = 'ARGO_TRAEFIK_HEADER_ROUTE_STATIC',
  /** This commit adopts the engine with the running version; the next commit (with `adopted: true`) may release. */
  ENGINE_ADOPTION_IN_PROGRESS = 'ENGINE_ADOPTION_IN_PROGRESS',
}
for (const code of Object.values(EngineRiskCode)) Warnings.registerRiskCode(code);

/**
 * Annotations that keep a GitOps tool from deleting an object once it leaves the manifests: the object an engine's
 * controller takes over (the app's Service, its route) is rendered in the commit that adopts the engine with these,
 * so that the next commit can stop rendering it without a gap.
 * - Argo CD: argoproj/gitops-engine pkg/sync/sync_context.go pruneObject skips a live object whose
 *   `argocd.argoproj.io/sync-options` holds `Prune=false` (pkg/sync/common/types.go SyncOptionDisablePrune).
 * - Flux: fluxcd/kustomize-controller internal/controller/kustomization_controller.go deleteObjects excludes
 *   objects labelled or annotated `kustomize.toolkit.fluxcd.io/prune: disabled`.
 * Both read the live object, so the annotation must be applied by an earlier sync than the one that drops the object.
 */
export const NO_PRUNE_ANNOTATIONS: { [key: string]: string } = {
  'argocd.argoproj.io/sync-options': 'Prune=false',
  'kustomize.toolkit.fluxcd.io/prune': 'disabled',
};
