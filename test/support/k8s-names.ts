import { isIPv6 } from 'net';

/**
 * The API server's name rules, which the OpenAPI schemas (kubernetes-models) do not carry. Each rule cites
 * the Kubernetes source it reproduces (kubernetes/kubernetes, read at master in 2026):
 *
 * - DNS-1123 label / subdomain, DNS-1035 label, qualified names, label values:
 *   `staging/src/k8s.io/apimachinery/pkg/util/validation/validation.go` (`IsDNS1123Label`, `IsDNS1123Subdomain`,
 *   `IsDNS1035Label`; `IsQualifiedName` = `content.IsLabelKey`, `IsValidLabelValue` = `content.IsLabelValue`
 *   in `pkg/api/validate/content/kube.go`).
 * - ObjectMeta: `staging/src/k8s.io/apimachinery/pkg/api/validation/objectmeta.go` (namespace with
 *   `ValidateNamespaceName`, a DNS-1123 label; labels with `ValidateLabels`; annotation keys with
 *   `IsQualifiedName(strings.ToLower(k))`; `TotalAnnotationSizeLimitB = 256 * (1 << 10)`, the sum of
 *   len(key) + len(value) in bytes).
 * - Names per kind: `pkg/apis/core/validation/validation.go` (`ValidateServiceName = NameIsDNS1035Label`,
 *   Pod spec.hostname and subdomain with `ValidateDNS1123Label`); every other kind this library writes uses
 *   `NameIsDNSSubdomain`; custom resources too (apiextensions-apiserver validates CR names as DNS subdomains).
 * - StatefulSet: the API accepts any DNS subdomain, but its pods do not: each pod gets the label
 *   `controller-revision-hash: <name>-<hash>` (`pkg/controller/history/controller_history.go`
 *   `ControllerRevisionName` = `prefix-hash`, the hash `rand.SafeEncodeString(fmt.Sprint(fnv32))`, up to
 *   10 characters) and the pod name is its hostname (a DNS-1123 label). A label value is at most 63
 *   characters, so a StatefulSet named with more than 63 - 11 = 52 characters never gets a pod
 *   (kubernetes/kubernetes#64023, #79337: "Pod ... is invalid: metadata.labels: Invalid value:
 *   \"<name>-58d5fbb889\": must be no more than 63 characters"), and a name with a dot yields an invalid
 *   hostname.
 * - Containers: container names are DNS-1123 labels, port names IANA service names
 *   (`IsValidPortName`: at most 15 characters, [-a-z0-9], a letter, no leading/trailing or double hyphen),
 *   volume names DNS-1123 labels (core validation.go `validateContainers`, `validateContainerPorts`,
 *   `ValidateVolumes`); Service port names DNS-1123 labels (`validateServicePort`).
 * - Ingress: `pkg/apis/networking/validation/validation.go` (`validateIngressRules`: a host must not be an IP
 *   ("must be a DNS name, not an IP address", `netutils.ParseIPSloppy`), and is a DNS-1123 subdomain or a
 *   wildcard one; `validateHTTPIngressPath`: Exact and Prefix paths are absolute and contain none of
 *   `//`, `/./`, `/../`, `%2f`, `%2F` nor end with `/..` or `/.`, ImplementationSpecific paths are absolute if
 *   set; `validateIngressBackend`: the Service name with `ValidateServiceName` (DNS-1035), a port name with
 *   `IsValidPortName`; TLS hosts as rule hosts, TLS Secret names and `ingressClassName` DNS-1123 subdomains).
 * - Two objects of one kind with one name in one namespace: the second `kubectl apply` overwrites the first
 *   (the API server keys objects by group, kind, namespace and name).
 */

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const QUALIFIED_NAME_PART = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/** Problems with a DNS-1123 label (empty when valid). */
export function dns1123Label(v: string): string[] {
  const e: string[] = [];
  if (v.length > 63) e.push('must be no more than 63 characters');
  if (!DNS1123_LABEL.test(v)) e.push(DNS1123_SUBDOMAIN.test(v) ? 'must not contain dots' : "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character");
  return e;
}

/** Problems with a DNS-1123 subdomain. */
export function dns1123Subdomain(v: string): string[] {
  const e: string[] = [];
  if (v.length > 253) e.push('must be no more than 253 characters');
  if (!DNS1123_SUBDOMAIN.test(v)) e.push("a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character");
  return e;
}

/** Problems with a DNS-1035 label. */
export function dns1035Label(v: string): string[] {
  const e: string[] = [];
  if (v.length > 63) e.push('must be no more than 63 characters');
  if (!DNS1035_LABEL.test(v)) e.push("a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character");
  return e;
}

/** Problems with a qualified name (label key, annotation key). */
export function qualifiedName(v: string): string[] {
  const parts = v.split('/');
  const e: string[] = [];
  let name = v;
  if (parts.length === 2) {
    const [prefix, n] = parts;
    name = n;
    if (prefix.length === 0) e.push('prefix part must be non-empty');
    else e.push(...dns1123Subdomain(prefix).map((m) => `prefix part ${m}`));
  } else if (parts.length > 2) {
    return ["a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character with an optional DNS subdomain prefix and '/'"];
  }
  if (name.length === 0) e.push('name part must be non-empty');
  else if (name.length > 63) e.push('name part must be no more than 63 characters');
  if (name.length > 0 && !QUALIFIED_NAME_PART.test(name)) e.push("name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character");
  return e;
}

/** Problems with a label value. */
export function labelValue(v: string): string[] {
  const e: string[] = [];
  if (v.length > 63) e.push('must be no more than 63 characters');
  if (!LABEL_VALUE.test(v)) e.push("a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character");
  return e;
}

/** Problems with a port name (IANA_SVC_NAME). */
export function portName(v: string): string[] {
  const e: string[] = [];
  if (v.length > 15) e.push('must be no more than 15 characters');
  if (!/^[-a-z0-9]+$/.test(v)) e.push('must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)');
  if (!/[a-z]/.test(v)) e.push('must contain at least one letter (a-z)');
  if (v.includes('--')) e.push('must not contain consecutive hyphens');
  if (v.startsWith('-') || v.endsWith('-')) e.push('must not begin or end with a hyphen');
  return e;
}

/** The longest StatefulSet name whose pods get a valid controller-revision-hash label (63 - len("-") - 10). */
export const STATEFULSET_NAME_MAX = 52;

const TOTAL_ANNOTATION_SIZE_LIMIT_B = 256 * 1024;

function nameRule(kind: string): (v: string) => string[] {
  switch (kind) {
    case 'Service':
      return dns1035Label;
    case 'Namespace':
      return dns1123Label;
    case 'StatefulSet':
      return (v) => {
        const e = dns1123Label(v);
        if (v.length > STATEFULSET_NAME_MAX) e.push(`must be no more than ${STATEFULSET_NAME_MAX} characters: its pods get the label controller-revision-hash=<name>-<hash of up to 10 characters>, and a label value is at most 63 characters (kubernetes/kubernetes#64023)`);
        return e;
      };
    default:
      return dns1123Subdomain;
  }
}

function labels(map: Record<string, unknown> | undefined, p: string, out: string[]): void {
  for (const [k, v] of Object.entries(map ?? {})) {
    for (const m of qualifiedName(k)) out.push(`${p}: Invalid value: ${JSON.stringify(k)}: ${m}`);
    if (typeof v !== 'string') out.push(`${p}.${k}: Invalid value: ${JSON.stringify(v)}: a label value must be a string`);
    else for (const m of labelValue(v)) out.push(`${p}: Invalid value: ${JSON.stringify(v)}: ${m}`);
  }
}

function podSpecNames(spec: any, p: string, out: string[]): void {
  if (!spec || typeof spec !== 'object') return;
  for (const group of ['initContainers', 'containers']) {
    (spec[group] ?? []).forEach((c: any, i: number) => {
      const cp = `${p}.${group}[${i}]`;
      for (const m of dns1123Label(String(c?.name ?? ''))) out.push(`${cp}.name: Invalid value: ${JSON.stringify(c?.name)}: ${m}`);
      (c?.ports ?? []).forEach((port: any, j: number) => {
        if (port?.name !== undefined) for (const m of portName(String(port.name))) out.push(`${cp}.ports[${j}].name: Invalid value: ${JSON.stringify(port.name)}: ${m}`);
      });
    });
  }
  (spec.volumes ?? []).forEach((v: any, i: number) => {
    for (const m of dns1123Label(String(v?.name ?? ''))) out.push(`${p}.volumes[${i}].name: Invalid value: ${JSON.stringify(v?.name)}: ${m}`);
  });
}

/** Every name-rule violation of one object, as `path: Invalid value: ...` lines. */
export function objectNameErrors(o: any): string[] {
  const out: string[] = [];
  const md = o?.metadata ?? {};
  const name = md.name;
  if (typeof name !== 'string' || name.length === 0) out.push('metadata.name: Required value: name or generateName is required');
  else for (const m of nameRule(o.kind)(name)) out.push(`metadata.name: Invalid value: ${JSON.stringify(name)}: ${m}`);
  if (md.namespace !== undefined) for (const m of dns1123Label(String(md.namespace))) out.push(`metadata.namespace: Invalid value: ${JSON.stringify(md.namespace)}: ${m}`);
  labels(md.labels, 'metadata.labels', out);
  let size = 0;
  for (const [k, v] of Object.entries<unknown>(md.annotations ?? {})) {
    for (const m of qualifiedName(k.toLowerCase())) out.push(`metadata.annotations: Invalid value: ${JSON.stringify(k)}: ${m}`);
    size += Buffer.byteLength(k) + Buffer.byteLength(String(v));
  }
  if (size > TOTAL_ANNOTATION_SIZE_LIMIT_B) out.push(`metadata.annotations: Too long: may not be more than ${TOTAL_ANNOTATION_SIZE_LIMIT_B} bytes, got ${size}`);

  const spec = o?.spec;
  if (spec?.template && typeof spec.template === 'object') {
    labels(spec.template.metadata?.labels, 'spec.template.metadata.labels', out);
    podSpecNames(spec.template.spec, 'spec.template.spec', out);
  }
  if (spec?.selector?.matchLabels) labels(spec.selector.matchLabels, 'spec.selector.matchLabels', out);
  if (o?.kind === 'Service' && spec?.selector && !spec.selector.matchLabels) labels(spec.selector, 'spec.selector', out);
  if (o?.kind === 'Service') {
    (spec?.ports ?? []).forEach((port: any, j: number) => {
      if (port?.name !== undefined) for (const m of dns1123Label(String(port.name))) out.push(`spec.ports[${j}].name: Invalid value: ${JSON.stringify(port.name)}: ${m}`);
    });
  }
  if (o?.kind === 'Pod') podSpecNames(spec, 'spec', out);
  if (o?.kind === 'Ingress') ingressErrors(spec, out);
  return out;
}

/** netutils.ParseIPSloppy: IPv4 (leading zeros allowed) or IPv6. */
function isIP(v: string): boolean {
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(v);
  if (v4) return v4.slice(1).every((p) => Number(p) <= 255);
  return isIPv6(v);
}

function dnsOrWildcard(host: string): string[] {
  if (!host.includes('*')) return dns1123Subdomain(host);
  const e: string[] = [];
  if (host.length > 253) e.push('must be no more than 253 characters');
  if (!/^\*\.[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(host)) e.push("a wildcard DNS-1123 subdomain must start with '*.', followed by a valid DNS subdomain, which must consist of lower case alphanumeric characters, '-' or '.' and end with an alphanumeric character");
  return e;
}

/** The Ingress rules of networking/validation.go that the OpenAPI schema does not carry. */
function ingressErrors(spec: any, out: string[]): void {
  if (!spec || typeof spec !== 'object') return;
  const invalid = (p: string, v: unknown, m: string) => out.push(`${p}: Invalid value: ${JSON.stringify(v)}: ${m}`);
  const backend = (b: any, p: string) => {
    const svc = b?.service;
    if (!svc) return;
    for (const m of dns1035Label(String(svc.name ?? ''))) invalid(`${p}.service.name`, svc.name, m);
    if (svc.port?.name !== undefined && svc.port?.number !== undefined) invalid(p, '', 'cannot set both port name & port number');
    else if (svc.port?.name !== undefined) for (const m of portName(String(svc.port.name))) invalid(`${p}.service.port.name`, svc.port.name, m);
  };
  if (spec.defaultBackend) backend(spec.defaultBackend, 'spec.defaultBackend');
  (spec.rules ?? []).forEach((rule: any, i: number) => {
    const rp = `spec.rules[${i}]`;
    if (typeof rule?.host === 'string' && rule.host.length > 0) {
      if (isIP(rule.host)) invalid(`${rp}.host`, rule.host, 'must be a DNS name, not an IP address');
      for (const m of dnsOrWildcard(rule.host)) invalid(`${rp}.host`, rule.host, m);
    }
    (rule?.http?.paths ?? []).forEach((path: any, j: number) => {
      const pp = `${rp}.http.paths[${j}]`;
      const value = String(path?.path ?? '');
      if (path?.pathType === 'Exact' || path?.pathType === 'Prefix') {
        if (!value.startsWith('/')) invalid(`${pp}.path`, value, 'must be an absolute path');
        for (const seq of ['//', '/./', '/../', '%2f', '%2F']) if (value.includes(seq)) invalid(`${pp}.path`, value, `must not contain '${seq}'`);
        for (const suffix of ['/..', '/.']) if (value.endsWith(suffix)) invalid(`${pp}.path`, value, `cannot end with '${suffix}'`);
      } else if (path?.pathType === 'ImplementationSpecific' && value.length > 0 && !value.startsWith('/')) {
        invalid(`${pp}.path`, value, 'must be an absolute path');
      }
      backend(path?.backend, `${pp}.backend`);
    });
  });
  (spec.tls ?? []).forEach((tls: any, i: number) => {
    (tls?.hosts ?? []).forEach((h: string, j: number) => {
      for (const m of dnsOrWildcard(String(h))) invalid(`spec.tls[${i}].hosts[${j}]`, h, m);
    });
    if (tls?.secretName) for (const m of dns1123Subdomain(String(tls.secretName))) invalid(`spec.tls[${i}].secretName`, tls.secretName, m);
  });
  if (spec.ingressClassName !== undefined) for (const m of dns1123Subdomain(String(spec.ingressClassName))) invalid('spec.ingressClassName', spec.ingressClassName, m);
}

/** Objects that share group, kind, namespace and name: the later one overwrites the earlier one. */
export function duplicateObjectErrors(objects: any[]): string[] {
  const seen = new Map<string, number>();
  const out: string[] = [];
  objects.forEach((o, i) => {
    const group = String(o?.apiVersion ?? '').includes('/') ? String(o.apiVersion).split('/')[0] : '';
    const key = JSON.stringify([group, o?.kind, o?.metadata?.namespace ?? '', o?.metadata?.name]);
    const first = seen.get(key);
    if (first !== undefined) out.push(`${o?.kind}/${o?.metadata?.name}: object #${i + 1} has the group, kind, namespace and name of object #${first + 1}: one overwrites the other`);
    else seen.set(key, i);
  });
  return out;
}

/** One message per object that breaks a name rule, then one per duplicate object. */
export function nameErrors(objects: any[]): string[] {
  return [
    ...objects.flatMap((o) => {
      const e = objectNameErrors(o);
      return e.length ? [`${o?.kind}/${o?.metadata?.name}: ${e.join('; ')}`] : [];
    }),
    ...duplicateObjectErrors(objects),
  ];
}
