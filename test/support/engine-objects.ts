import { K8sObject } from './synth';

/**
 * The objects a progressive-delivery engine creates in the cluster from the synthesized ones, so that
 * the policy checks (a PDB selects pods, an Ingress reaches a Service, the session store admits every version's
 * pods) can run over what will actually exist. Each rule is the engine's, as read in its source:
 *
 * - Flagger (fluxcd/flagger pkg/canary/deployment_controller.go createPrimaryDeployment, pkg/canary/util.go
 *   makePrimaryLabels, docs/gitbook/faq.md "How is an application exposed inside the cluster?"): Deployment
 *   `<target>-primary` with the target's pod template, every label kept and the selector label set to
 *   `<target>-primary`, selecting only that label; Services `<name>` and `<name>-primary` select the primary,
 *   `<name>-canary` the target; ports from `service.port` and `service.targetPort`.
 * - Argo Rollouts with `workloadRef` (docs/migrating.md): the Rollout's ReplicaSets run the Deployment's pod
 *   template (plus `rollouts-pod-template-hash`), modelled as one ReplicaSet named after the Rollout.
 */
export function engineGenerated(objects: K8sObject[]): K8sObject[] {
  const out: K8sObject[] = [];
  const selectorLabels = ['app', 'name', 'app.kubernetes.io/name'];
  for (const canary of objects.filter((o) => o.kind === 'Canary' && o.apiVersion === 'flagger.app/v1beta1')) {
    const ns = canary.metadata.namespace;
    const target = objects.find((o) => o.kind === 'Deployment' && o.metadata.name === canary.spec.targetRef.name && o.metadata.namespace === ns);
    if (!target) throw new Error(`Canary/${canary.metadata.name}: no Deployment ${canary.spec.targetRef.name}`);
    const label = selectorLabels.find((l) => l in (target.spec.selector.matchLabels ?? {}));
    if (!label) throw new Error(`Deployment/${target.metadata.name}: spec.selector.matchLabels must contain one of ${selectorLabels.join(', ')}`);
    const primaryName = `${target.metadata.name}-primary`;
    const primary: K8sObject = JSON.parse(JSON.stringify(target));
    primary.metadata = { name: primaryName, namespace: ns, labels: { [label]: primaryName } };
    primary.spec.selector = { matchLabels: { [label]: primaryName } };
    primary.spec.template.metadata.labels = { ...target.spec.template.metadata.labels, [label]: primaryName };
    out.push(primary);
    const name = canary.spec.service.name ?? canary.spec.targetRef.name;
    const service = (svcName: string, selectorValue: string): K8sObject => ({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: svcName, namespace: ns },
      spec: {
        type: 'ClusterIP',
        selector: { [label]: selectorValue },
        ports: [{ name: canary.spec.service.portName ?? 'http', port: canary.spec.service.port, targetPort: canary.spec.service.targetPort ?? canary.spec.service.port }],
      },
    });
    out.push(service(name, primaryName), service(`${name}-primary`, primaryName), service(`${name}-canary`, target.metadata.name));
  }
  for (const rollout of objects.filter((o) => o.kind === 'Rollout' && o.apiVersion === 'argoproj.io/v1alpha1' && o.spec.workloadRef)) {
    const ns = rollout.metadata.namespace;
    const ref = rollout.spec.workloadRef;
    const deployment = objects.find((o) => o.kind === 'Deployment' && o.metadata.name === ref.name && o.metadata.namespace === ns);
    if (!deployment) throw new Error(`Rollout/${rollout.metadata.name}: no Deployment ${ref.name}`);
    const template = JSON.parse(JSON.stringify(deployment.spec.template));
    template.metadata.labels = { ...template.metadata.labels, 'rollouts-pod-template-hash': 'generated' };
    out.push({
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: { name: rollout.metadata.name, namespace: ns },
      spec: { replicas: rollout.spec.replicas, selector: { matchLabels: { ...rollout.spec.selector.matchLabels, 'rollouts-pod-template-hash': 'generated' } }, template },
    });
  }
  return out;
}
