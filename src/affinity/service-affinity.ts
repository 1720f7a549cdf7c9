import { ApiObject, Duration, JsonPatch } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { PropChecker } from '../prop-checks';
import { beforeSynth } from '../synth-hooks';
import { JUSTIFICATION_ANNOTATION } from '../traffic/affinity-mode';
import { AppRoute } from '../traffic/route';
import { checkAcknowledged, reportRisks } from '../warnings';
import { affinityTarget, clientIpAffinityRisks } from './risk-catalogue';

/**
 * Options of `ServiceAffinity.clientIp`.
 */
export interface ClientIpAffinityOptions {
  /**
   * Why this Service needs L4 affinity, in words a reviewer can check (annotated on the Service).
   */
  readonly justification: string;
  /**
   * How long a client stays pinned after its last connection: whole seconds from 1 second to 24 hours
   * (`sessionAffinityConfig.clientIP.timeoutSeconds`). Use this rather than `timeoutSeconds`.
   * @default Duration.hours(3), the Kubernetes default
   */
  readonly timeout?: Duration;
  /**
   * The same as `timeout`, in seconds (1 to 86400).
   * @default 10800 (3 hours, the Kubernetes default)
   * @deprecated Use `timeout` (a `Duration`, as every time in this library); `timeoutSeconds` keeps working through 0.x.
   */
  readonly timeoutSeconds?: number;
  /**
   * Risks you accept (`RiskCode` values); they stay annotated but are not printed and do not fail strict mode.
   * @default - none
   */
  readonly acknowledgedRisks?: string[];
}

/**
 * How long Kubernetes keeps a ClientIP pin when `sessionAffinityConfig.clientIP.timeoutSeconds` is not set:
 * `DefaultClientIPServiceAffinitySeconds int32 = 10800` in k8s.io/api core/v1/types.go.
 */
export const DEFAULT_CLIENT_IP_TIMEOUT_SECONDS = 10800;

/**
 * Session affinity on a Service (L4), as an explicit and warned opt-in.
 *
 * Use it on a `StatelessWebApp` (`serviceAffinity` prop) or on any cdk8s-plus Service (`applyTo`).
 */
export class ServiceAffinity {
  /**
   * `sessionAffinity: ClientIP` with `sessionAffinityConfig.clientIP.timeoutSeconds`.
   */
  public static clientIp(options: ClientIpAffinityOptions): ServiceAffinity {
    const check = new PropChecker('ServiceAffinity.clientIp');
    check.nonBlank(
      'justification',
      options?.justification,
      'Write down why this Service needs ClientIP affinity (e.g. "legacy TCP protocol keeps per-connection state"); it is annotated on the Service.',
    );
    if (options.timeout !== undefined && options.timeoutSeconds !== undefined) {
      check.fail('timeoutSeconds', 'cannot be combined with timeout (they say the same thing)', options.timeoutSeconds, 'Keep timeout (a Duration) and remove timeoutSeconds.');
    }
    const fix = 'Use e.g. Duration.hours(3) (the default; 24 hours is the Kubernetes limit).';
    const ms = check.durationMillis('timeout', options.timeout, fix);
    const timeout = ms !== undefined ? ms / 1000 : options.timeoutSeconds ?? DEFAULT_CLIENT_IP_TIMEOUT_SECONDS;
    if (ms !== undefined && (!Number.isInteger(timeout) || timeout < 1 || timeout > 86400)) {
      check.fail('timeout', 'must be whole seconds from 1 second to 24 hours', `${timeout}s`, fix);
    }
    check.integer('timeoutSeconds', timeout, 1, 86400, 'Use e.g. 10800 (3 hours, the default; 86400 is the Kubernetes limit).');
    const acknowledged = checkAcknowledged(check, options.acknowledgedRisks);
    return new ServiceAffinity(options.justification.trim(), timeout, acknowledged);
  }

  private readonly applied = new WeakSet<kplus.Service>();

  private constructor(
    /** The justification, as annotated. */
    public readonly justification: string,
    /** The pin timeout in seconds. */
    public readonly timeoutSeconds: number,
    private readonly acknowledged: string[],
  ) {}

  /**
   * Set ClientIP affinity on a cdk8s-plus Service and report its risks on it.
   */
  public applyTo(service: kplus.Service): void {
    if (this.applied.has(service)) {
      return;
    }
    this.applied.add(service);
    const object = ApiObject.of(service);
    object.addJsonPatch(
      JsonPatch.add('/spec/sessionAffinity', 'ClientIP'),
      // patches on a typed cdk8s object apply before its props are converted to the wire format,
      // so the key is the TypeScript prop name `clientIp` (rendered as `clientIP`)
      JsonPatch.add('/spec/sessionAffinityConfig', { clientIp: { timeoutSeconds: this.timeoutSeconds } }),
    );
    object.metadata.addAnnotation(JUSTIFICATION_ANNOTATION, this.justification);
    // Whether (and by which controller) the Service is routed is known only once the whole tree exists.
    beforeSynth(service, () => {
      const route = AppRoute.of(service, service.name);
      const routedBy = route ? { controller: route.provider.name, behaviour: route.provider.describeServiceAffinity(route.intent) } : undefined;
      const risks = clientIpAffinityRisks(affinityTarget(service, service.name), service.name, this.timeoutSeconds, routedBy);
      reportRisks(service, 'ServiceAffinity', risks, this.acknowledged, [object]);
    });
  }
}

