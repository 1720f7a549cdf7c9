import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'cdk8s';
import { captureStderr } from './synth';
import { ShopChart, ShopRelease, STABLE_IMAGE } from '../../examples/canary/main';
import { AffinityMode, TrafficProvider } from '../../src';
import { runCli } from '../../src/cli/main';

export const FIXTURES = path.join('test', 'fixtures', 'audit');

/** Runs `cdk8s-stateless <args>` in this process and returns its exit code and what it printed. */
export function cli(args: string[], stdin = ''): { code: number; stdout: string; stderr: string } {
  let stdout = '';
  let stderr = '';
  const code = runCli(args, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), stdin: () => stdin });
  return { code, stdout, stderr };
}

export function json(args: string[]): any {
  const r = cli(['audit', ...args, '--format', 'json']);
  if (r.code === 2) throw new Error(r.stderr);
  return JSON.parse(r.stdout);
}

/**
 * Synthesizes the canary example's shop (examples/canary/main.ts) in this process into a new temporary directory:
 * `release` as the commit under review would set it, on ingress-nginx or another provider.
 */
export function synthShop(release: ShopRelease | undefined, provider: 'ingress-nginx' | 'gateway-api' | 'traefik' = 'ingress-nginx'): string {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'audit-shop-'));
  const app = new App({ outdir });
  if (provider === 'gateway-api') {
    TrafficProvider.useByDefault(app, TrafficProvider.gatewayApi({ gatewayName: 'public', gatewayNamespace: 'gateways', experimentalFields: true }));
  }
  if (provider === 'traefik') TrafficProvider.useByDefault(app, TrafficProvider.traefik({ entryPoints: ['websecure'] }));
  // Gateway API sessionPersistence and Traefik's sticky cookie have persistent semantics only (see the example)
  const stickyMode = provider === 'ingress-nginx' ? undefined : AffinityMode.PERSISTENT;
  new ShopChart(app, 'shop', { namespace: 'shop', stableImage: STABLE_IMAGE, release, stickyMode });
  captureStderr(() => app.synth());
  return outdir;
}
