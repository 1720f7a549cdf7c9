import { K8sObject } from './synth';

/**
 * Pod Security Standards `restricted` (https://kubernetes.io/docs/concepts/security/pod-security-standards/)
 * and the kube-linter default checks that apply to static manifests, as plain functions over
 * synthesized objects. Each violation is a line naming the object and the rule.
 */

const WORKLOAD_KINDS = ['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job'];
const RESTRICTED_VOLUME_TYPES = ['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret'];

function podSpec(o: K8sObject): any {
  return o.spec?.template?.spec;
}

/** Pod Security Standards `restricted` violations of every workload. */
export function podSecurityViolations(objects: K8sObject[]): string[] {
  const out: string[] = [];
  for (const o of objects.filter((x) => WORKLOAD_KINDS.includes(x.kind))) {
    const id = `${o.kind}/${o.metadata.name}`;
    const pod = podSpec(o);
    const psc = pod.securityContext ?? {};
    for (const host of ['hostNetwork', 'hostPID', 'hostIPC']) {
      if (pod[host]) out.push(`${id}: ${host} must not be true`);
    }
    for (const v of pod.volumes ?? []) {
      const type = Object.keys(v).find((k) => k !== 'name');
      if (!type || !RESTRICTED_VOLUME_TYPES.includes(type)) out.push(`${id}: volume ${v.name} of type ${type} is not allowed`);
    }
    for (const c of [...(pod.initContainers ?? []), ...pod.containers]) {
      const csc = c.securityContext ?? {};
      const cid = `${id} container ${c.name}`;
      if (csc.privileged) out.push(`${cid}: privileged`);
      if (csc.allowPrivilegeEscalation !== false) out.push(`${cid}: allowPrivilegeEscalation must be false`);
      const drop: string[] = csc.capabilities?.drop ?? [];
      if (!drop.includes('ALL')) out.push(`${cid}: capabilities must drop ALL`);
      const add: string[] = csc.capabilities?.add ?? [];
      if (add.some((cap) => cap !== 'NET_BIND_SERVICE')) out.push(`${cid}: may only add NET_BIND_SERVICE`);
      const nonRoot = csc.runAsNonRoot ?? psc.runAsNonRoot;
      if (nonRoot !== true) out.push(`${cid}: runAsNonRoot must be true`);
      if ((csc.runAsUser ?? psc.runAsUser) === 0) out.push(`${cid}: runAsUser must not be 0`);
      const seccomp = csc.seccompProfile?.type ?? psc.seccompProfile?.type;
      if (seccomp !== 'RuntimeDefault' && seccomp !== 'Localhost') out.push(`${cid}: seccompProfile must be RuntimeDefault or Localhost`);
      for (const p of c.ports ?? []) {
        if (p.hostPort) out.push(`${cid}: hostPort ${p.hostPort}`);
      }
    }
  }
  return out;
}

/** kube-linter default checks that apply to the manifests this library writes. */
export function lintViolations(objects: K8sObject[]): string[] {
  const out: string[] = [];
  const workloads = objects.filter((x) => WORKLOAD_KINDS.includes(x.kind));
  const podLabelSets = workloads.map((w) => ({
    ns: w.metadata.namespace,
    labels: (w.spec.template.metadata?.labels ?? {}) as Record<string, string>,
  }));
  const matches = (selector: Record<string, string>, labels: Record<string, string>) => Object.entries(selector).every(([k, v]) => labels[k] === v);

  for (const o of workloads) {
    const id = `${o.kind}/${o.metadata.name}`;
    for (const c of podSpec(o).containers) {
      const cid = `${id} container ${c.name}`;
      const image: string = c.image;
      const tag = image.includes('@') ? 'digest' : image.split('/').pop()!.split(':')[1];
      if (!tag || tag === 'latest') out.push(`${cid}: latest-tag (image ${image} is not pinned)`);
      if (c.securityContext?.readOnlyRootFilesystem !== true) out.push(`${cid}: no-read-only-root-fs`);
      for (const r of ['cpu', 'memory']) {
        if (!c.resources?.requests?.[r]) out.push(`${cid}: unset-${r}-requirements (request)`);
        if (!c.resources?.limits?.[r]) out.push(`${cid}: unset-${r}-requirements (limit)`);
      }
      if (!c.readinessProbe) out.push(`${cid}: no-readiness-probe`);
      if (!c.livenessProbe) out.push(`${cid}: no-liveness-probe`);
      for (const e of c.env ?? []) {
        if (/PASSWORD|SECRET|TOKEN|AUTH/.test(e.name) && e.value !== undefined) out.push(`${cid}: env-var-secret (${e.name} has a literal value)`);
      }
    }
    const selector = o.spec.selector?.matchLabels ?? {};
    if (!matches(selector, o.spec.template.metadata?.labels ?? {})) out.push(`${id}: mismatching-selector`);
  }
  for (const svc of objects.filter((x) => x.kind === 'Service')) {
    const selector = svc.spec.selector ?? {};
    if (!podLabelSets.some((p) => p.ns === svc.metadata.namespace && matches(selector, p.labels))) {
      out.push(`Service/${svc.metadata.name}: dangling-service (selects no pod template)`);
    }
  }
  for (const np of objects.filter((x) => x.kind === 'NetworkPolicy')) {
    const selector = np.spec.podSelector?.matchLabels ?? {};
    if (!podLabelSets.some((p) => p.ns === np.metadata.namespace && matches(selector, p.labels))) {
      out.push(`NetworkPolicy/${np.metadata.name}: dangling-networkpolicy`);
    }
  }
  for (const pdb of objects.filter((x) => x.kind === 'PodDisruptionBudget')) {
    const selector = pdb.spec.selector?.matchLabels ?? {};
    if (!podLabelSets.some((p) => p.ns === pdb.metadata.namespace && matches(selector, p.labels))) {
      out.push(`PodDisruptionBudget/${pdb.metadata.name}: selects no pod template`);
    }
    if (pdb.spec.maxUnavailable === 0 || pdb.spec.maxUnavailable === '0%') out.push(`PodDisruptionBudget/${pdb.metadata.name}: pdb-max-unavailable (0 blocks every drain)`);
  }
  for (const hpa of objects.filter((x) => x.kind === 'HorizontalPodAutoscaler')) {
    const ref = hpa.spec.scaleTargetRef;
    const target = workloads.find((w) => w.kind === ref.kind && w.metadata.name === ref.name);
    if (!target) out.push(`HorizontalPodAutoscaler/${hpa.metadata.name}: dangling-horizontalpodautoscaler`);
    else if (target.spec.replicas !== undefined) out.push(`HorizontalPodAutoscaler/${hpa.metadata.name}: target ${ref.name} also sets replicas (GitOps and the HPA would fight)`);
  }
  for (const ing of objects.filter((x) => x.kind === 'Ingress')) {
    for (const rule of ing.spec.rules ?? []) {
      for (const p of rule.http?.paths ?? []) {
        const b = p.backend.service;
        const svc = objects.find((x) => x.kind === 'Service' && x.metadata.name === b.name && x.metadata.namespace === ing.metadata.namespace);
        if (!svc) out.push(`Ingress/${ing.metadata.name}: dangling-ingress (no Service ${b.name})`);
        else if (!svc.spec.ports.some((sp: any) => sp.port === b.port.number || sp.name === b.port.name)) out.push(`Ingress/${ing.metadata.name}: Service ${b.name} has no port ${JSON.stringify(b.port)}`);
      }
    }
  }
  return out;
}
