import { Names } from 'cdk8s';
import { IConstruct } from 'constructs';

/**
 * The name a construct's objects get when the user passes none: the construct path as a
 * DNS label with a short hash, exactly as cdk8s names ApiObjects (`chart-web-c8a1b2c3`).
 * Deterministic: the same tree gives the same names on every machine.
 */
export function defaultResourceName(scope: IConstruct): string {
  // leave room for the longest suffix a construct adds ("-headless", "-sentinel", "-canary")
  return Names.toDnsLabel(scope, { maxLen: 50 });
}
