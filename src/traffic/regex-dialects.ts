import { goRegexpError } from './go-regexp';

/**
 * Syntax checks of regular expressions in the dialects Gateway implementations compile header matches with.
 *
 * Go: Envoy Gateway and Istio validate header regexes with Go's `regexp.Compile` before Envoy runs them as RE2, and
 * Traefik matches with it (citations in gateway-api-implementations.ts); the check is the one port of Go's parser
 * (go-regexp.ts), which Traefik's provider uses too. JavaScript: NGINX Gateway Fabric's njs module builds
 * `new RegExp(value)` (its citation in gateway-api-implementations.ts).
 */

/** Why Go's `regexp.Compile` rejects `pattern` (Go's own error text), or undefined when it compiles. */
export function goRegexpProblem(pattern: string): string | undefined {
  const error = goRegexpError(pattern);
  return error === undefined ? undefined : `does not compile with Go's regexp (${error})`;
}

/** Why JavaScript's `new RegExp(pattern)` (no flags) rejects `pattern`, or undefined. */
export function javaScriptRegExpProblem(pattern: string): string | undefined {
  try {
    new RegExp(pattern);
    return undefined;
  } catch (e) {
    return `does not compile as a JavaScript RegExp (${(e as Error).message})`;
  }
}
