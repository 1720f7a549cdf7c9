import * as path from 'path';
import { pathToFileURL } from 'url';

/** A file as the reports name it: relative to the working directory with "/" (the repository root in CI), or as given. */
export function displayPath(file: string, cwd: string = process.cwd()): string {
  if (file === '-') return '(stdin)';
  const relative = path.relative(cwd, path.resolve(cwd, file));
  if (relative === '' || relative.startsWith('..') || path.isAbsolute(relative)) return path.resolve(cwd, file);
  return relative.split(path.sep).join('/');
}

/**
 * The SARIF `artifactLocation.uri` of a file: a relative URI reference when the file is under the working
 * directory (code-scanning services resolve it against the repository root), else a `file:` URI.
 */
export function sarifUri(file: string, cwd: string = process.cwd()): string {
  if (file === '-') return 'stdin';
  const shown = displayPath(file, cwd);
  if (path.isAbsolute(shown)) return pathToFileURL(shown).href;
  return shown.split('/').map(encodeURIComponent).join('/');
}
