/**
 * Syntax checks of regular expressions in the dialects Gateway implementations compile header matches with.
 *
 * `goRegexpProblem` mirrors the parser of Go's `regexp.Compile` (package regexp/syntax, flags `Perl`): Envoy Gateway
 * and Istio validate header regexes with it before Envoy runs them as RE2, and Traefik matches with it (citations
 * in gateway-api-implementations.ts). It accepts no more than that parser: unknown escapes, lookarounds,
 * backreferences, possessive and nested repetitions, repeat counts over 1000 (also as a product of nested counted
 * repetitions, RE2's RepetitionWalker), malformed groups and classes are problems. Unicode class names after `\p`
 * are not checked against Go's tables. The tests compare it with an RE2 port (@bufbuild/re2) on a corpus.
 */

/** Go regexp/syntax: the largest repeat count, and the largest product of nested counted repetitions. */
const MAX_REPEAT = 1000;

const POSIX_CLASSES = new Set(['alnum', 'alpha', 'ascii', 'blank', 'cntrl', 'digit', 'graph', 'lower', 'print', 'punct', 'space', 'upper', 'word', 'xdigit']);

const isAlnum = (c: string) => /^[0-9A-Za-z]$/.test(c);

/**
 * The escape at `p[i]` (the character after `\`) inside or outside a class; returns the index after it, or a problem.
 * Go regexp/syntax parseEscape, parsePerlClassEscape and parseUnicodeClass.
 */
function escape(p: string, i: number, inClass: boolean): number | string {
  const c = p[i];
  if (c === undefined) return 'ends with a lone backslash';
  if (c.charCodeAt(0) < 0x80 && !isAlnum(c)) return i + 1; // escaped punctuation is a literal
  if ('dDsSwW'.includes(c)) return i + 1;
  if ('afnrtv'.includes(c)) return i + 1;
  if (!inClass && 'AzbB'.includes(c)) return i + 1;
  if (c >= '1' && c <= '7') {
    // a single non-zero digit is a backreference; two or more are an octal escape
    if (!(p[i + 1] >= '0' && p[i + 1] <= '7')) return `uses the escape \\${c} (a backreference), which Go's regexp does not have`;
    let j = i;
    while (j < i + 3 && p[j] >= '0' && p[j] <= '7') j++;
    return j;
  }
  if (c === '0') {
    let j = i + 1;
    while (j < i + 3 && p[j] >= '0' && p[j] <= '7') j++;
    return j;
  }
  if (c === 'x') {
    if (p[i + 1] === '{') {
      const m = /^\{([0-9A-Fa-f]+)\}/.exec(p.slice(i + 1));
      if (!m || parseInt(m[1], 16) > 0x10ffff) return 'has a malformed \\x{...} escape';
      return i + 1 + m[0].length;
    }
    if (!/^[0-9A-Fa-f]{2}/.test(p.slice(i + 1))) return 'has a malformed \\x escape (two hex digits or \\x{...})';
    return i + 3;
  }
  if (c === 'p' || c === 'P') {
    if (p[i + 1] === '{') {
      const m = /^\{\^?[A-Za-z_]+\}/.exec(p.slice(i + 1));
      if (!m) return 'has a malformed \\p{...} class';
      return i + 1 + m[0].length;
    }
    if (!/^[A-Za-z]/.test(p[i + 1] ?? '')) return 'has a malformed \\p class';
    return i + 2;
  }
  if (c === 'Q' && !inClass) {
    const end = p.indexOf('\\E', i + 1);
    return end < 0 ? p.length : end + 2;
  }
  return `uses the escape \\${c}, which Go's regexp does not have`;
}

/** A character class starting at `p[i]` (after `[`); returns the index after `]`, or a problem. Go parseClass. */
function charClass(p: string, i: number): number | string {
  if (p[i] === '^') i++;
  let first = true;
  while (i < p.length && (p[i] !== ']' || first)) {
    first = false;
    if (p[i] === '[' && p[i + 1] === ':') {
      const m = /^\[:\^?([a-z]+):\]/.exec(p.slice(i));
      if (m) {
        if (!POSIX_CLASSES.has(m[1])) return `uses the unknown class [:${m[1]}:]`;
        i += m[0].length;
        continue;
      }
    }
    // one end of a range: a character or an escape (a class escape cannot be a range end)
    const lo = classChar(p, i);
    if (typeof lo === 'string') return lo;
    i = lo.next;
    // after a class escape (\d, \pL), a '-' is a literal
    if (lo.code !== undefined && p[i] === '-' && p[i + 1] !== undefined && p[i + 1] !== ']') {
      const hi = classChar(p, i + 1);
      if (typeof hi === 'string') return hi;
      if (hi.code === undefined) return 'has a range whose end is a class escape';
      if (hi.code < lo.code) return `has the range ${p.slice(lo.start, hi.next)} out of order`;
      i = hi.next;
    }
  }
  if (i >= p.length) return 'has a [ without its closing ]';
  return i + 1;
}

function classChar(p: string, i: number): { start: number; next: number; code?: number } | string {
  if (p[i] !== '\\') {
    const code = p.codePointAt(i)!;
    return { start: i, next: i + (code > 0xffff ? 2 : 1), code };
  }
  const next = escape(p, i + 1, true);
  if (typeof next === 'string') return next;
  const c = p[i + 1];
  if ('dDsSwWpP'.includes(c)) return { start: i, next };
  const body = p.slice(i + 1, next);
  const simple: { [k: string]: number } = { a: 7, f: 12, n: 10, r: 13, t: 9, v: 11 };
  let code: number;
  if (simple[body] !== undefined) code = simple[body];
  else if (body[0] === 'x') code = parseInt(body.replace(/[x{}]/g, ''), 16);
  else if (/^[0-7]+$/.test(body)) code = parseInt(body, 8);
  else code = body.codePointAt(0)!;
  return { start: i, next, code };
}

/** A repeat `{n}`, `{n,}` or `{n,m}` at `p[i]`, or undefined when the brace is a literal (Go parseRepeat). */
function repeatAt(p: string, i: number): { next: number; min: number; max: number } | undefined {
  const m = /^\{(\d+)(,(\d*))?\}/.exec(p.slice(i));
  if (!m) return undefined;
  const min = Number(m[1]);
  const max = m[2] === undefined ? min : m[3] === '' ? -1 : Number(m[3]);
  return { next: i + m[0].length, min, max };
}

/** Why Go's `regexp.Compile` rejects `pattern`, or undefined when it compiles. */
export function goRegexpProblem(pattern: string): string | undefined {
  const p = pattern;
  const names = new Set<string>();
  // per open group: the largest product of counted repetitions inside it
  const groups: number[] = [1];
  // the product of the last operand (what a following repetition applies to); undefined: nothing to repeat
  let operand: number | undefined;
  let repeated = false; // the last thing was a repetition (a second one is a nested repetition)
  let i = 0;
  const atom = (product: number) => {
    operand = product;
    repeated = false;
  };
  while (i < p.length) {
    const c = p[i];
    if (c === '\\') {
      const next = escape(p, i + 1, false);
      if (typeof next === 'string') return next;
      i = next;
      atom(1);
      continue;
    }
    if (c === '[') {
      const next = charClass(p, i + 1);
      if (typeof next === 'string') return next;
      i = next;
      atom(1);
      continue;
    }
    if (c === '(') {
      if (p[i + 1] === '?') {
        const named = /^\(\?P?<([^>]*)>/.exec(p.slice(i));
        if (named) {
          if (!/^[A-Za-z0-9_]+$/.test(named[1])) return `has the invalid group name ${named[1] || '(empty)'}`;
          if (names.has(named[1])) return `has the group name ${named[1]} twice`;
          names.add(named[1]);
          i += named[0].length;
        } else {
          const flags = /^\(\?([imsU]*)(-[imsU]+)?([:)])/.exec(p.slice(i));
          if (!flags || (flags[1] === '' && flags[2] === undefined && flags[3] === ')')) {
            return `uses ${p.slice(i, i + 3)}, which Go's regexp does not have (no lookaround, atomic group, comment or conditional)`;
          }
          i += flags[0].length;
          if (flags[3] === ')') {
            // a flag change alone, not a group: nothing to repeat after it
            operand = undefined;
            repeated = false;
            continue;
          }
        }
      } else {
        i++;
      }
      groups.push(1);
      operand = undefined;
      repeated = false;
      continue;
    }
    if (c === ')') {
      if (groups.length === 1) return 'has a ) without its (';
      const inner = groups.pop()!;
      groups[groups.length - 1] = Math.max(groups[groups.length - 1], inner);
      i++;
      atom(inner);
      continue;
    }
    if (c === '|') {
      operand = undefined;
      repeated = false;
      i++;
      continue;
    }
    if (c === '*' || c === '+' || c === '?' || (c === '{' && repeatAt(p, i))) {
      let next = i + 1;
      let count = 1;
      if (c === '{') {
        const r = repeatAt(p, i)!;
        if (r.min > MAX_REPEAT || r.max > MAX_REPEAT || (r.max >= 0 && r.max < r.min)) return `has the invalid repeat count ${p.slice(i, r.next)}`;
        next = r.next;
        count = r.max >= 0 ? r.max : r.min;
      }
      if (repeated) return `has the nested repetition ${p.slice(i - 1, next)}`;
      if (operand === undefined) return `has a repetition ${p.slice(i, next)} with nothing to repeat`;
      const product = operand * Math.max(count, 1);
      if (c === '{' && product > MAX_REPEAT) return `has nested repeat counts whose product is over ${MAX_REPEAT}`;
      const top = groups.length - 1;
      groups[top] = Math.max(groups[top], c === '{' ? product : operand);
      i = next;
      if (p[i] === '?') i++; // non-greedy
      repeated = true;
      continue;
    }
    // any other character is a literal (or ^ $ .)
    i += p.codePointAt(i)! > 0xffff ? 2 : 1;
    atom(1);
  }
  if (groups.length > 1) return 'has a ( without its )';
  return undefined;
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
