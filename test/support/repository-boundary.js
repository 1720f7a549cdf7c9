// Tests never read outside the repository: a fresh clone, with no folders beside it, must pass `npm test`.
// Loaded by Jest before every test file (jest.setupFiles in .projenrc.ts). Reading a path that lies beside the
// repository (under its parent folder but outside it, e.g. ../shared) throws, naming the path. The temporary
// folder stays readable (end-to-end tests write their servers' files there), even when the clone itself lives
// under it.
const fs = require('fs');
const os = require('os');
const path = require('path');

const GUARD = Symbol.for('cdk8s-stateless.repository-boundary');
const ROOT = path.resolve(__dirname, '..', '..');
const PARENT = path.dirname(ROOT);
const TMP = path.resolve(os.tmpdir());

function inside(p, dir) {
  return p === dir || p.startsWith(dir + path.sep);
}

/** Whether reading `p` would leave the repository for a folder beside it. */
function outsideRepository(p) {
  if (typeof p !== 'string' && !(p instanceof URL) && !Buffer.isBuffer(p)) return false;
  const resolved = path.resolve(p instanceof URL ? p.pathname : String(p));
  return inside(resolved, PARENT) && !inside(resolved, ROOT) && !inside(resolved, TMP);
}

function guard(name, original) {
  return function guarded(p, ...rest) {
    if (outsideRepository(p)) {
      throw new Error(`A test read ${path.resolve(String(p))} (fs.${name}), outside the repository ${ROOT}: tests read only files in the repository (copy what they need into it, e.g. test/support/crds).`);
    }
    return original.call(this, p, ...rest);
  };
}

if (!fs[GUARD]) {
  for (const name of ['readFileSync', 'readdirSync', 'statSync', 'existsSync', 'openSync', 'readFile', 'readdir', 'stat', 'open']) {
    fs[name] = guard(name, fs[name]);
  }
  for (const name of ['readFile', 'readdir', 'stat', 'open']) {
    fs.promises[name] = guard(`promises.${name}`, fs.promises[name]);
  }
  Object.defineProperty(fs, GUARD, { value: { outsideRepository, ROOT } });
}

module.exports = { outsideRepository, ROOT };
