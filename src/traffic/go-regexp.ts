/**
 * Whether Go's `regexp.Compile` accepts an expression, and Go's error message when it does not.
 *
 * A port of the checks of Go's parser, golang/go src/regexp/syntax/parse.go (read at commit 08459da0; the
 * syntax is that of the Go release the controller is built with, named in its `.go-version`):
 * `parse` (the main loop: `*+?{` repetitions, `\A \b \B \C \Q..\E \z`, classes), `parsePerlFlags` (flags
 * `imsU` and `-`, `(?P<name>` and `(?<name>`), `parseEscape` (octal, `\x`, `\a \f \n \r \t \v`, escaped
 * punctuation; every other letter is an invalid escape), `parseClass` / `parseNamedClass` / `parseUnicodeClass`
 * / `parsePerlClassEscape`, `parseRepeat` and `repeatIsValid` (at most 1000, also as a product of nested counts),
 * and `repeat` (a repetition of a repetition, `a**`, is an error). Not modelled: the limits on the size of the
 * compiled program and on nesting depth (`ErrLarge`, `ErrNestingDepth`: about 3.3 million instructions or 1000
 * levels), which no route expression comes near.
 *
 * `regexp.Compile` parses with `syntax.Perl` flags (ClassNL, OneLine, PerlX, UnicodeGroups).
 */

/** Go's error, as `regexp.Compile` words it: "error parsing regexp: <code>: `<expr>`". */
function goError(code: string, expr: string): string {
  return `error parsing regexp: ${code}: \`${expr}\``;
}

class GoRegexpError extends Error {}

function fail(code: string, expr: string): never {
  throw new GoRegexpError(goError(code, expr));
}

/** The maximum count of one repetition and of nested repetitions (`maxRepeat`). */
const MAX_REPEAT = 1000;

/** A parse-tree node, as far as the checks need one: a repetition (with its counts) or anything else. */
interface Node {
  readonly op: 'repeat' | 'other';
  readonly min: number;
  readonly max: number;
  readonly subs: Node[];
}

/** The parse stack: a node, or a pseudo-operator (`(` or `|`). */
type Item = { kind: 'node'; node: Node } | { kind: 'paren'; subs: Node[] } | { kind: 'bar' };

/** POSIX classes of `posixGroup` (perl_groups.go), with their negations `[:^name:]`. */
const POSIX = new Set(['alnum', 'alpha', 'ascii', 'blank', 'cntrl', 'digit', 'graph', 'lower', 'print', 'punct', 'space', 'upper', 'word', 'xdigit']);

/** Perl classes of `perlGroup` (perl_groups.go). */
const PERL = new Set(['d', 'D', 's', 'S', 'w', 'W']);

/** The categories of Go's unicode.Categories (the one- and two-letter General_Category values). */
const CATEGORIES = new Set([
  'C', 'Cc', 'Cf', 'Co', 'Cs', 'L', 'Ll', 'Lm', 'Lo', 'Lt', 'Lu', 'M', 'Mc', 'Me', 'Mn', 'N', 'Nd', 'Nl', 'No',
  'P', 'Pc', 'Pd', 'Pe', 'Pf', 'Pi', 'Po', 'Ps', 'S', 'Sc', 'Sk', 'Sm', 'So', 'Z', 'Zl', 'Zp', 'Zs',
]);

/** `canonicalName`: a leading upper-case letter, then lower case, without "_", "-" and spaces. */
function canonicalName(name: string): string {
  const kept = [...name].filter((c) => c !== '_' && c !== '-' && c !== ' ').join('');
  return kept.length === 0 ? kept : kept[0].toUpperCase() + kept.slice(1).toLowerCase();
}

/**
 * `unicodeTable`: Any, Assigned, ASCII, LC, a category, a script or a category alias. Scripts and aliases are the
 * Unicode names, checked here with JavaScript's Unicode property escapes (the same names from the same database);
 * JavaScript also knows four-letter script codes such as `Grek`, which Go does not, so those pass this check.
 */
function isUnicodeClassName(name: string): boolean {
  const canonical = canonicalName(name);
  if (['Any', 'Assigned', 'Ascii', 'Lc'].includes(canonical) || CATEGORIES.has(name) || CATEGORIES.has(canonical)) return true;
  if (!/^[A-Za-z_ -]+$/.test(name)) return false;
  for (const property of ['Script', 'General_Category']) {
    const words = name.split(/[_ -]+/).filter((w) => w !== '');
    const titled = words.map((w) => w[0].toUpperCase() + w.slice(1).toLowerCase()).join('_');
    for (const candidate of [name, name.replace(/[ -]/g, '_'), titled]) {
      try {
        new RegExp(`\\p{${property}=${candidate}}`, 'u');
        return true;
      } catch {
        // not this property
      }
    }
  }
  return false;
}

function isAlnum(c: string): boolean {
  return /^[0-9A-Za-z]$/.test(c);
}

function isOctal(c: string | undefined): boolean {
  return c !== undefined && c >= '0' && c <= '7';
}

function isHex(c: string | undefined): boolean {
  return c !== undefined && /^[0-9A-Fa-f]$/.test(c);
}

/** `repeatIsValid`: the repetition and the repetitions inside it make at most `n` copies of the innermost thing. */
function repeatIsValid(re: Node, n: number): boolean {
  if (re.op === 'repeat') {
    let m = re.max;
    if (m === 0) return true;
    if (m < 0) m = re.min;
    if (m > n) return false;
    if (m > 0) n = Math.floor(n / m);
  }
  return re.subs.every((sub) => repeatIsValid(sub, n));
}

class Parser {
  private readonly stack: Item[] = [];
  /** The text of the last repetition operator, when the previous token was one (`lastRepeat`). */
  private lastRepeat = '';

  constructor(private readonly whole: string) {}

  public parse(): void {
    let t = this.whole;
    while (t !== '') {
      let repeat = '';
      const c = t[0];
      if (c === '(') {
        if (t.length >= 2 && t[1] === '?') {
          t = this.perlFlags(t);
        } else {
          this.stack.push({ kind: 'paren', subs: [] });
          t = t.slice(1);
        }
      } else if (c === '|') {
        this.collapseToMarker();
        this.stack.push({ kind: 'bar' });
        t = t.slice(1);
      } else if (c === ')') {
        this.rightParen();
        t = t.slice(1);
      } else if (c === '[') {
        t = this.parseClass(t);
        this.pushOther();
      } else if (c === '*' || c === '+' || c === '?') {
        const after = this.repeat(0, 0, false, t, t.slice(1));
        repeat = t;
        t = after;
      } else if (c === '{') {
        const r = parseRepeat(t);
        if (!r) {
          // not a repetition: "{" is a literal
          this.pushOther();
          t = t.slice(1);
        } else {
          const { min, max, rest } = r;
          if (min < 0 || min > MAX_REPEAT || max > MAX_REPEAT || (max >= 0 && min > max)) {
            fail('invalid repeat count', t.slice(0, t.length - rest.length));
          }
          const after = this.repeat(min, max, true, t, rest);
          repeat = t;
          t = after;
        }
      } else if (c === '\\') {
        t = this.escape(t);
      } else {
        // a literal (a whole code point: a surrogate pair is one rune)
        const cp = t.codePointAt(0)!;
        if (cp >= 0xd800 && cp <= 0xdfff) fail('invalid UTF-8', t);
        this.pushOther();
        t = t.slice(cp > 0xffff ? 2 : 1);
      }
      this.lastRepeat = repeat;
    }
    this.collapseToMarker();
    if (this.stack.length !== 1) fail('missing closing )', this.whole);
  }

  private pushOther(subs: Node[] = []): void {
    this.stack.push({ kind: 'node', node: { op: 'other', min: 0, max: 0, subs } });
  }

  /** Concatenation and alternation above the topmost `(`: replaced by one node. */
  private collapseToMarker(): void {
    const subs: Node[] = [];
    while (this.stack.length > 0) {
      const top = this.stack[this.stack.length - 1];
      if (top.kind === 'paren') break;
      this.stack.pop();
      if (top.kind === 'node') subs.unshift(top.node);
    }
    this.pushOther(subs);
  }

  private rightParen(): void {
    this.collapseToMarker();
    const inner = this.stack.pop()!;
    const paren = this.stack.pop();
    if (!paren || paren.kind !== 'paren') fail('unexpected )', this.whole);
    this.stack.push({ kind: 'node', node: { op: 'other', min: 0, max: 0, subs: inner.kind === 'node' ? [inner.node] : [] } });
  }

  /** `repeat`: `before` starts at the operator, `after` follows it. */
  private repeat(min: number, max: number, counted: boolean, before: string, after: string): string {
    if (after.startsWith('?')) after = after.slice(1); // non-greedy
    if (this.lastRepeat !== '') {
      // "In Perl it is not allowed to stack repetition operators: a** is a syntax error"
      fail('invalid nested repetition operator', this.lastRepeat.slice(0, this.lastRepeat.length - after.length));
    }
    const top = this.stack[this.stack.length - 1];
    if (!top || top.kind !== 'node') fail('missing argument to repetition operator', before.slice(0, before.length - after.length));
    const node: Node = counted ? { op: 'repeat', min, max, subs: [top.node] } : { op: 'other', min: 0, max: 0, subs: [top.node] };
    this.stack[this.stack.length - 1] = { kind: 'node', node };
    if (counted && (min >= 2 || max >= 2) && !repeatIsValid(node, MAX_REPEAT)) {
      fail('invalid repeat count', before.slice(0, before.length - after.length));
    }
    return after;
  }

  /** `parsePerlFlags`: `s` starts with "(?". */
  private perlFlags(s: string): string {
    const startsWithP = s.length > 4 && s[2] === 'P' && s[3] === '<';
    const startsWithName = s.length > 3 && s[2] === '<';
    if (startsWithP || startsWithName) {
      const end = s.indexOf('>');
      if (end < 0) {
        checkUtf8(s);
        fail('invalid named capture', s);
      }
      const name = s.slice(startsWithP ? 4 : 3, end);
      checkUtf8(name);
      if (!/^[A-Za-z0-9_]+$/.test(name)) fail('invalid named capture', s.slice(0, end + 1));
      this.stack.push({ kind: 'paren', subs: [] });
      return s.slice(end + 1);
    }
    let t = s.slice(2);
    let sign = 1;
    let sawFlag = false;
    while (t !== '') {
      const c = String.fromCodePoint(t.codePointAt(0)!);
      checkUtf8(c);
      t = t.slice(c.length);
      if ('imsU'.includes(c)) {
        sawFlag = true;
        continue;
      }
      if (c === '-') {
        if (sign < 0) break;
        sign = -1;
        sawFlag = false;
        continue;
      }
      if (c === ':' || c === ')') {
        if (sign < 0 && !sawFlag) break;
        if (c === ':') this.stack.push({ kind: 'paren', subs: [] });
        return t;
      }
      break;
    }
    return fail('invalid or unsupported Perl syntax', s.slice(0, s.length - t.length));
  }

  /** A backslash outside a class. */
  private escape(t: string): string {
    if (t.length >= 2) {
      switch (t[1]) {
        case 'A':
        case 'b':
        case 'B':
        case 'z':
          this.pushOther();
          return t.slice(2);
        case 'C':
          // "any byte; not supported"
          return fail('invalid escape sequence', t.slice(0, 2));
        case 'Q': {
          // \Q ... \E: literals
          const end = t.indexOf('\\E', 2);
          const lit = end < 0 ? t.slice(2) : t.slice(2, end);
          checkUtf8(lit);
          for (let i = 0; i < [...lit].length; i++) this.pushOther();
          return end < 0 ? '' : t.slice(end + 2);
        }
        default:
          break;
      }
    }
    if (t.length >= 2 && (t[1] === 'p' || t[1] === 'P')) {
      const rest = unicodeClass(t);
      this.pushOther();
      return rest;
    }
    if (t.length >= 2 && PERL.has(t[1])) {
      this.pushOther();
      return t.slice(2);
    }
    const rest = parseEscape(t);
    this.pushOther();
    return rest;
  }

  /** `parseClass`: `s` starts with "[". */
  private parseClass(s: string): string {
    let t = s.slice(1);
    if (t.startsWith('^')) t = t.slice(1);
    let first = true;
    while (t === '' || t[0] !== ']' || first) {
      first = false;
      if (t.length > 2 && t[0] === '[' && t[1] === ':') {
        const end = t.indexOf(':]', 2);
        if (end >= 0) {
          const name = t.slice(2, end);
          if (!POSIX.has(name.replace(/^\^/, ''))) fail('invalid character class range', t.slice(0, end + 2));
          t = t.slice(end + 2);
          continue;
        }
      }
      if (t.length >= 2 && t[0] === '\\' && (t[1] === 'p' || t[1] === 'P')) {
        t = unicodeClass(t);
        continue;
      }
      if (t.length >= 2 && t[0] === '\\' && PERL.has(t[1])) {
        t = t.slice(2);
        continue;
      }
      const rng = t;
      const lo = classChar(t, s);
      t = lo.rest;
      if (t.length >= 2 && t[0] === '-' && t[1] !== ']') {
        t = t.slice(1);
        const hi = classChar(t, s);
        t = hi.rest;
        if (hi.rune < lo.rune) fail('invalid character class range', rng.slice(0, rng.length - t.length));
      }
    }
    return t.slice(1);
  }
}

/** `parseRepeat`: `{n}`, `{n,}` or `{n,m}`; undefined when `s` is not of that form (then "{" is a literal). */
function parseRepeat(s: string): { min: number; max: number; rest: string } | undefined {
  const m = /^\{([0-9]+)(,([0-9]*))?\}/.exec(s);
  if (!m) return undefined;
  const int = (digits: string): number | undefined => {
    if (digits.length >= 2 && digits[0] === '0') return undefined; // "Disallow leading zeros"
    return digits.length > 8 ? -1 : Number(digits); // parseInt gives up at 1e8
  };
  const min = int(m[1]);
  if (min === undefined) return undefined;
  let max: number;
  if (m[2] === undefined) {
    max = min;
  } else if (m[3] === '') {
    max = -1;
  } else {
    const parsed = int(m[3]);
    if (parsed === undefined) return undefined;
    max = parsed;
    if (max < 0) return { min: -1, max, rest: s.slice(m[0].length) };
  }
  return { min, max, rest: s.slice(m[0].length) };
}

/** `parseUnicodeClass`: `s` starts with `\p` or `\P`; the rest of `s` after the class. */
function unicodeClass(s: string): string {
  let seq: string;
  let name: string;
  let rest: string;
  if (s[2] !== '{') {
    // a one-letter name (a whole code point)
    const c = s.length > 2 ? String.fromCodePoint(s.codePointAt(2)!) : '';
    checkUtf8(c);
    seq = s.slice(0, 2 + c.length);
    name = c;
    rest = s.slice(seq.length);
  } else {
    const end = s.indexOf('}');
    if (end < 0) {
      checkUtf8(s);
      fail('invalid character class range', s);
    }
    seq = s.slice(0, end + 1);
    name = s.slice(3, end);
    checkUtf8(name);
    rest = s.slice(end + 1);
  }
  if (name.startsWith('^')) name = name.slice(1);
  if (!isUnicodeClassName(name)) fail('invalid character class range', seq);
  return rest;
}

/** `parseClassChar`: an escape or one code point. */
function classChar(s: string, wholeClass: string): { rune: number; rest: string } {
  if (s === '') fail('missing closing ]', wholeClass);
  if (s[0] === '\\') {
    const rest = parseEscape(s);
    return { rune: escapeValue(s.slice(0, s.length - rest.length)), rest };
  }
  const cp = s.codePointAt(0)!;
  if (cp >= 0xd800 && cp <= 0xdfff) fail('invalid UTF-8', s);
  return { rune: cp, rest: s.slice(cp > 0xffff ? 2 : 1) };
}

/** The code point an escape that `parseEscape` accepted stands for. */
function escapeValue(esc: string): number {
  const c = esc[1];
  if (isOctal(c)) return parseInt(esc.slice(1), 8);
  if (c === 'x') return parseInt(esc.slice(2).replace(/[{}]/g, ''), 16);
  const simple: Record<string, number> = { a: 7, f: 12, n: 10, r: 13, t: 9, v: 11 };
  return simple[c] ?? esc.codePointAt(1)!;
}

/** `parseEscape`: `s` starts with a backslash; returns the rest of `s` after the escape. */
function parseEscape(s: string): string {
  let t = s.slice(1);
  if (t === '') fail('trailing backslash at end of expression', '');
  const c = String.fromCodePoint(t.codePointAt(0)!);
  checkUtf8(c);
  t = t.slice(c.length);
  const invalid = () => fail('invalid escape sequence', s.slice(0, s.length - t.length));
  if (c.codePointAt(0)! < 0x80 && !isAlnum(c)) {
    // "Escaped non-word characters are always themselves"
    return t;
  }
  if (c >= '1' && c <= '7' && !isOctal(t[0])) {
    // "Single non-zero digit is a backreference; not supported"
    return invalid();
  }
  if (c >= '0' && c <= '7') {
    for (let i = 1; i < 3 && isOctal(t[0]); i++) t = t.slice(1);
    return t;
  }
  if (c === 'x') {
    if (t === '') return invalid();
    const next = (): number => {
      // nextRune, then unhex: -1 for anything but a hex digit (and at the end of the text)
      if (t === '') return -2;
      const r = String.fromCodePoint(t.codePointAt(0)!);
      checkUtf8(r);
      t = t.slice(r.length);
      return isHex(r) ? parseInt(r, 16) : r === '}' ? -3 : -1;
    };
    if (t[0] === '{') {
      // "Any number of digits in braces": at least one, at most 0x10FFFF
      t = t.slice(1);
      let value = 0;
      let digits = 0;
      for (;;) {
        const v = next();
        if (v === -3) break;
        if (v < 0) return invalid();
        value = value * 16 + v;
        if (value > 0x10ffff) return invalid();
        digits++;
      }
      return digits === 0 ? invalid() : t;
    }
    // "Easy case: two hex digits."
    const x = next();
    const y = next();
    return x >= 0 && y >= 0 ? t : invalid();
  }
  if ('afnrtv'.includes(c)) return t;
  return invalid();
}

/** A JavaScript string holds UTF-16; a lone surrogate has no UTF-8 form (Go's `checkUTF8`). */
function checkUtf8(s: string): void {
  if (/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(s)) fail('invalid UTF-8', s);
}

/**
 * Go's error for an expression `regexp.Compile` refuses, e.g. "error parsing regexp: invalid escape sequence: `\Z`";
 * undefined when it compiles.
 */
export function goRegexpError(pattern: string): string | undefined {
  try {
    new Parser(pattern).parse();
    return undefined;
  } catch (e) {
    if (e instanceof GoRegexpError) return e.message;
    throw e;
  }
}
