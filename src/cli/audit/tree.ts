import { AffinityTarget } from '../../affinity/risk-catalogue';
import { LABEL_CLIENT } from '../../session/redis-session-store';
import { ManifestObject } from '../manifests';

/** Kinds whose pods a Service selects, with their pod template at `spec.template`. */
const WORKLOAD_KINDS = new Set(['Deployment', 'StatefulSet', 'ReplicaSet', 'Rollout']);

/**
 * The numbers the library's risk texts need (replicas, the HPA range and CPU target, a bound session store),
 * read from the workloads of the same tree: the Service's selector against each workload's pod template labels,
 * and the HorizontalPodAutoscaler whose scaleTargetRef names the workload. Built once per tree.
 */
export class TreeIndex {
  private readonly workloads: ManifestObject[] = [];
  private readonly hpas = new Map<string, ManifestObject>();
  private readonly services = new Map<string, ManifestObject>();

  constructor(objects: readonly ManifestObject[]) {
    for (const m of objects) {
      const { kind } = m.object;
      if (WORKLOAD_KINDS.has(kind)) this.workloads.push(m);
      if (kind === 'HorizontalPodAutoscaler') {
        const ref = m.object.spec?.scaleTargetRef ?? {};
        this.hpas.set(`${namespaceOf(m)}/${ref.kind}/${ref.name}`, m);
      }
      if (kind === 'Service' && m.object.apiVersion === 'v1') this.services.set(`${namespaceOf(m)}/${m.object.metadata?.name}`, m);
    }
  }

  public service(namespace: string, name: string): ManifestObject | undefined {
    return this.services.get(`${namespace}/${name}`);
  }

  /** What is known about the pods behind Service `name` in `namespace`; `Service <name>` when no workload matches. */
  public target(namespace: string, name: string): AffinityTarget {
    const service = this.service(namespace, name);
    const selector = service?.object.spec?.selector;
    const workload =
      selector && typeof selector === 'object' && Object.keys(selector).length > 0
        ? this.workloads.find((w) => namespaceOf(w) === namespace && selects(selector, w.object.spec?.template?.metadata?.labels))
        : undefined;
    if (!workload) return { name: `Service ${name}` };
    const spec = workload.object.spec ?? {};
    const hpa = this.hpas.get(`${namespace}/${workload.object.kind}/${workload.object.metadata?.name}`)?.object.spec;
    // k8s.io/api: DeploymentSpec.Replicas "Defaults to 1" (apps/v1 types.go); HorizontalPodAutoscalerSpec
    // minReplicas "It defaults to 1 pod" (autoscaling/v2 types.go)
    const replicas = typeof spec.replicas === 'number' ? spec.replicas : 1;
    const labels = spec.template?.metadata?.labels ?? {};
    return {
      name: workload.object.metadata?.name ?? name,
      minReplicas: hpa ? (typeof hpa.minReplicas === 'number' ? hpa.minReplicas : 1) : replicas,
      maxReplicas: hpa && typeof hpa.maxReplicas === 'number' ? hpa.maxReplicas : replicas,
      targetCpu: hpa ? cpuTarget(hpa) : undefined,
      // a client of the library's session store carries its label; otherwise unknown (not "none")
      hasSessionStore: labels[LABEL_CLIENT] !== undefined ? true : undefined,
    };
  }
}

export function namespaceOf(m: ManifestObject): string {
  const ns = m.object.metadata?.namespace;
  return typeof ns === 'string' ? ns : '';
}

function selects(selector: { [key: string]: unknown }, labels: unknown): boolean {
  if (!labels || typeof labels !== 'object') return false;
  return Object.entries(selector).every(([k, v]) => (labels as { [key: string]: unknown })[k] === v);
}

/** autoscaling/v2 `metrics[].resource` cpu `target.averageUtilization`, or autoscaling/v1 `targetCPUUtilizationPercentage`. */
function cpuTarget(spec: any): number | undefined {
  if (typeof spec.targetCPUUtilizationPercentage === 'number') return spec.targetCPUUtilizationPercentage;
  for (const metric of Array.isArray(spec.metrics) ? spec.metrics : []) {
    const u = metric?.type === 'Resource' && metric.resource?.name === 'cpu' ? metric.resource.target?.averageUtilization : undefined;
    if (typeof u === 'number') return u;
  }
  return undefined;
}
