import { Names } from 'cdk8s';
import { IConstruct } from 'constructs';

/**
 * The name a construct's objects get when the user passes none: the construct path as a
 * DNS label with a short hash, exactly as cdk8s names ApiObjects (`chart-web-c8a1b2c3`),
 * short enough that the longest name derived from it (`<name>-canary`,
 * `<name>-sentinel-headless`) is still a valid Service name.
 * Deterministic: the same tree gives the same names on every machine.
 */
export function defaultResourceName(scope: IConstruct, longestSuffix: string): string {
  return Names.toDnsLabel(scope, { maxLen: 63 - longestSuffix.length });
}
