import * as fs from 'fs';
import * as path from 'path';
import Ajv from 'ajv';
import AjvDraft04 from 'ajv-draft-04';
import addFormats from 'ajv-formats';
import { cli, FIXTURES, synthShop } from './support/audit-cli';

/** SARIF 2.1.0 as Microsoft's jest-sarif ships it (a draft-04 JSON schema). */
const SARIF_SCHEMA = JSON.parse(
  fs.readFileSync(path.join(path.dirname(require.resolve('@microsoft/jest-sarif/package.json')), 'lib', 'schemas', 'sarif-2.1.0-rtm.5.json'), 'utf8'),
);
const REPORT_SCHEMA = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'docs', 'audit-report.schema.json'), 'utf8'));

// unicodeRegExp off: the schema's language pattern (^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$) is not valid with the u flag
const sarifAjv = new AjvDraft04({ allErrors: true, strict: false, unicodeRegExp: false });
addFormats(sarifAjv as unknown as Ajv);
const validateSarif = sarifAjv.compile(SARIF_SCHEMA);
const validateReport = new Ajv({ allErrors: true, strict: true }).compile(REPORT_SCHEMA);

const foreign = path.join(FIXTURES, 'foreign');

describe('--format sarif', () => {
  test('validates against the SARIF 2.1.0 schema, with and without a base', () => {
    const head = synthShop({ image: 'ghcr.io/acme/shop:1.9.0', weight: 20 });
    const base = synthShop(undefined);
    for (const args of [[foreign], [head, '--base', base], [head, foreign]]) {
      const log = JSON.parse(cli(['audit', ...args, '--format', 'sarif']).stdout);
      const valid = validateSarif(log);
      expect(validateSarif.errors ?? []).toEqual([]);
      expect(valid).toBe(true);
      expect(log.version).toBe('2.1.0');
      expect(log.runs[0].results.length).toBeGreaterThan(0);
    }
  });

  test('the schema check can fail: a result without a message is refused', () => {
    const log = JSON.parse(cli(['audit', foreign, '--format', 'sarif']).stdout);
    delete log.runs[0].results[0].message;
    expect(validateSarif(log)).toBe(false);
  });

  test('rule ids are the risk codes; each result is at the file (relative to the working directory) and line of its object', () => {
    const sarif = JSON.parse(cli(['audit', foreign, '--format', 'sarif']).stdout);
    const report = JSON.parse(cli(['audit', foreign, '--format', 'json']).stdout);
    const run = sarif.runs[0];
    expect(run.tool.driver.rules.map((r: any) => r.id).sort()).toEqual([...new Set(report.findings.map((f: any) => f.code))].sort());
    expect(run.results.length).toBe(report.findings.length);
    run.results.forEach((r: any, i: number) => {
      const f = report.findings[i];
      expect(r.ruleId).toBe(f.code);
      expect(run.tool.driver.rules[r.ruleIndex].id).toBe(f.code);
      const loc = r.locations[0].physicalLocation;
      expect(loc.artifactLocation.uri).toBe(f.location.file);
      expect(loc.artifactLocation.uri).toMatch(/^test\/fixtures\/audit\/foreign\/[a-z-]+\.yaml$/);
      expect(loc.region.startLine).toBe(f.location.line);
      expect(r.message.text).toBe(`${f.message} Instead: ${f.remedy}`);
    });
    const cart = run.results.find((r: any) => r.locations[0].logicalLocations[0].fullyQualifiedName === 'Ingress shop/cart');
    expect(cart.locations[0].physicalLocation).toEqual({ artifactLocation: { uri: 'test/fixtures/audit/foreign/sticky-ingress.yaml' }, region: { startLine: 30 } });
  });

  test('acknowledged risks are suppressed notes; with a base, baselineState says new or unchanged', () => {
    const head = synthShop({ image: 'ghcr.io/acme/shop:1.9.0', weight: 20 });
    const base = synthShop(undefined);
    const run = JSON.parse(cli(['audit', head, '--base', base, '--format', 'sarif']).stdout).runs[0];
    const repin = run.results.find((r: any) => r.ruleId === 'AFFINITY_BALANCED_REPIN');
    expect(repin).toMatchObject({ level: 'note', suppressions: [{ kind: 'inSource' }], baselineState: 'unchanged' });
    const drift = run.results.find((r: any) => r.ruleId === 'CANARY_STICKY_DRIFT');
    expect(drift).toMatchObject({ level: 'warning', baselineState: 'new' });
    expect(drift.suppressions).toBeUndefined();
  });
});

describe('--format json', () => {
  test('matches docs/audit-report.schema.json (schemaVersion 1), with and without a base', () => {
    const head = synthShop({ image: 'ghcr.io/acme/shop:1.9.0', weight: 50 });
    const base = synthShop({ image: 'ghcr.io/acme/shop:1.9.0', weight: 20 });
    for (const args of [[foreign], [head, '--base', base], [base, '--base', synthShop(undefined)]]) {
      const report = JSON.parse(cli(['audit', ...args, '--format', 'json']).stdout);
      validateReport(report);
      expect(validateReport.errors ?? []).toEqual([]);
      expect(report.schemaVersion).toBe(1);
    }
  });

  test('the schema check can fail: an unknown finding field is refused', () => {
    const report = JSON.parse(cli(['audit', foreign, '--format', 'json']).stdout);
    report.findings[0].severity = 'high';
    expect(validateReport(report)).toBe(false);
  });
});

describe('--format text', () => {
  test('groups the risks by object, at file:line, with the traffic mechanisms', () => {
    const r = cli(['audit', path.join(foreign, 'traefik-sticky.yaml')]);
    expect(r.stdout.split('\n').slice(0, 5)).toEqual([
      'cdk8s-stateless audit: 2 objects in 1 file; 4 risks (4 unacknowledged)',
      '--fail-on new-unacknowledged: 4 risks fail',
      '',
      'test/fixtures/audit/foreign/traefik-sticky.yaml:2 IngressRoute shop/profile',
      '  traffic: sticky cookie (traefik, cookie profile-pod) on Service profile of route 1',
    ]);
    expect(r.stdout).toMatch(/\n {2}\[AFFINITY_UNEVEN_LOAD\] \(unacknowledged, detected, FAILS\) Cookie affinity pins each user of Service profile/);
    expect(r.stdout).toContain('\ntest/fixtures/audit/foreign/traefik-sticky.yaml:20 TraefikService shop/profile-split\n');
  });
});
