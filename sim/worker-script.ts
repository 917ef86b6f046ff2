// A worker thread runs compiled JavaScript: under Jest a module's __filename is its .ts
// source, so point the worker at the build (npm test builds dist/ first).
import * as path from 'node:path';

/** The .js file a worker should load for the module at `filename` (its own __filename). */
export function workerScript(filename: string): string {
  if (!filename.endsWith('.ts')) return filename;
  const root = path.resolve(__dirname, '..');
  return path.join(root, 'dist', path.relative(root, filename)).replace(/\.ts$/, '.js');
}
