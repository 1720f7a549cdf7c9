import { RE2JS } from '@bufbuild/re2';
import { goRegexpError } from '../src/traffic/go-regexp';

// The port of Go's regexp parser checks (src/traffic/go-regexp.ts) against Go's own test cases and, for many generated
// expressions, against @bufbuild/re2 (a port of RE2/J, which words its errors as Go does).

describe("Go's regexp syntax", () => {
  // golang/go src/regexp/syntax/parse_test.go invalidRegexps (every entry that a JavaScript string can hold: not the
  // invalid UTF-8 bytes), and the Perl-mode failures of onlyPOSIX; the size and depth limits are not modelled
  test.each([
    '(', ')', '(a', 'a)', '(a))', '(a|b|', 'a|b|)', '(a|b|))', '(a|b', 'a|b)', '(a|b))', '[a-z', '([a-z)', '[a-z)', '([a-z]))',
    'x{1001}', 'x{9876543210}', 'x{2,1}', 'x{1,9876543210}', '(?P<name>a', '(?P<name>', '(?P<name', '(?P<x y>a)', '(?P<>a)',
    '(?<name>a', '(?<name>', '(?<name', '(?<x y>a)', '(?<>a)', '[a-Z]', '(?i)[a-Z]', '\\Q\\E*', 'a{100000}', 'a{100000,}',
    '((((((((((x{2}){2}){2}){2}){2}){2}){2}){2}){2}){2})', '(?:[a-z]{4}){0,251}',
    'a++', 'a**', 'a?*', 'a+*', 'a{1}*', '.{1}{2}.{3}',
  ])('Go refuses %s', (pattern) => {
    expect(goRegexpError(pattern)).toMatch(/^error parsing regexp: /);
  });

  // onlyPerl: accepted in Perl mode (regexp.Compile's)
  test.each(['[a-b-c]', '\\Qabc\\E', '\\Q*+?{[\\E', '\\Q\\\\E', '\\Q\\\\\\E', '(?:a)', '(?P<name>a)', '(?<name>a)', '(?i)beta', '(?P<n>x)(?P<n>y)', 'a{,2}'])(
    'Go accepts %s',
    (pattern) => {
      expect(goRegexpError(pattern)).toBeUndefined();
    },
  );

  test.each([
    ['\\u00e9', 'invalid escape sequence: `\\u`'],
    ['\\cA', 'invalid escape sequence: `\\c`'],
    ['a\\Z', 'invalid escape sequence: `\\Z`'],
    ['(?=a)', 'invalid or unsupported Perl syntax: `(?=`'],
    ['(a)\\1', 'invalid escape sequence: `\\1`'],
    ['[\\b]', 'invalid escape sequence: `\\b`'],
    ['\\x{110000}', 'invalid escape sequence: `\\x{110000`'],
    ['\\p{Klingon}', 'invalid character class range: `\\p{Klingon}`'],
  ])("Go's message for %s", (pattern, message) => {
    expect(goRegexpError(pattern)).toBe(`error parsing regexp: ${message}`);
  });

  test('the same verdict and message as RE2/J on 20,000 generated expressions', () => {
    const parts = ['a', 'b', '(', ')', '[', ']', '{', '}', '*', '+', '?', '|', '^', '$', '.', '\\', '-', ':', '<', '>', 'P', 'i', '0', '1', '8',
      'x', 'p', 'L', 'Q', 'E', 'z', 'Z', 'd', '{2}', '{1,3}', '{1001}', '(?', '(?i)', '(?P<n>', '[:alpha:]', '[:foo:]', '\\p{Greek}', '\\u', 'é', ',', '='];
    let seed = 7;
    const next = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    const differences: string[] = [];
    for (let i = 0; i < 20_000; i++) {
      let pattern = '';
      for (let j = 1 + next(7); j > 0; j--) pattern += parts[next(parts.length)];
      let expected: string | undefined;
      try {
        new RE2JS(pattern);
      } catch (e) {
        expected = (e as Error).message;
      }
      // RE2/J treats a "{" that starts no repetition and a repetition after it as a nested repetition; Go does not
      // (parse.go: the literal "{" leaves lastRepeat empty)
      if (expected !== undefined && /nested repetition operator: `\{/.test(expected)) continue;
      // RE2/J refuses a capture name used twice; Go's parser has no such error (parse.go ErrorCode has no duplicate)
      if (expected !== undefined && /duplicate capture group name/.test(expected)) continue;
      // "(?<" at the very end: Go's parsePerlFlags needs len(t) > 3 for a name, so it reports a Perl flag error
      if (pattern.endsWith('(?<') && expected === 'error parsing regexp: invalid named capture: `(?<`') continue;
      const got = goRegexpError(pattern);
      if (got !== expected) differences.push(`${JSON.stringify(pattern)}: RE2/J ${expected}, port ${got}`);
    }
    expect(differences).toEqual([]);
  });
});
