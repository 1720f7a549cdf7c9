import * as fs from 'fs';
import * as path from 'path';
import { renderRiskTable, RISK_TABLE } from '../docs/risk-table';
import * as lib from '../src';

// The README's risk table is generated from docs/risk-table.ts; the codes are those the library registers (every
// exported *RiskCode enum). Regenerate the README's table with: UPDATE_RISK_TABLE=1 npx jest test/risk-table.test.ts

const ROOT = path.join(__dirname, '..');
const BEGIN = '<!-- risk-table: generated from docs/risk-table.ts by test/risk-table.test.ts; do not edit -->';
const END = '<!-- risk-table: end -->';

function registeredCodes(): string[] {
  return Object.entries(lib)
    .filter(([name]) => name.endsWith('RiskCode'))
    .flatMap(([, values]) => Object.values(values as Record<string, string>))
    .sort();
}

function readmeTable(readme: string): string {
  const start = readme.indexOf(BEGIN);
  const end = readme.indexOf(END);
  if (start < 0 || end < start) throw new Error(`README.md has no table between ${BEGIN} and ${END}`);
  return readme.slice(start + BEGIN.length, end).trim();
}

test('every registered risk code has exactly one row, and every row names registered codes', () => {
  const rows = RISK_TABLE.flatMap((r) => r.codes).sort();
  expect(rows).toEqual([...new Set(rows)]);
  expect(rows).toEqual(registeredCodes());
});

test('README.md holds the table generated from the rows', () => {
  const file = path.join(ROOT, 'README.md');
  const readme = fs.readFileSync(file, 'utf8');
  if (process.env.UPDATE_RISK_TABLE) {
    const start = readme.indexOf(BEGIN) + BEGIN.length;
    fs.writeFileSync(file, `${readme.slice(0, start)}\n${renderRiskTable()}\n${readme.slice(readme.indexOf(END))}`);
  }
  expect(readmeTable(fs.readFileSync(file, 'utf8'))).toBe(renderRiskTable());
});

test('README.md and docs/ mention no risk code that does not exist', () => {
  const known = new Set(registeredCodes());
  const prefixes = /^(APP|STORE|AFFINITY|CANARY|INGRESS_NGINX|GATEWAY_API|TRAEFIK|ENGINE|FLAGGER|ARGO)_[A-Z_]+$/;
  const files = ['README.md', ...fs.readdirSync(path.join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => path.join('docs', f))];
  const unknown: string[] = [];
  for (const file of files) {
    for (const [, code] of fs.readFileSync(path.join(ROOT, file), 'utf8').matchAll(/`([A-Z][A-Z0-9_]+)`/g)) {
      if (prefixes.test(code) && !known.has(code)) unknown.push(`${file}: ${code}`);
    }
  }
  expect(unknown).toEqual([]);
});

test('the check sees a stale row: a table without a registered code differs', () => {
  expect(renderRiskTable(RISK_TABLE.slice(1))).not.toBe(renderRiskTable());
  expect(renderRiskTable().split('\n')).toHaveLength(RISK_TABLE.length + 2);
});
