// Bundles the web page (gateway/web) into dist/web with esbuild: app.js (lightweight-charts
// included, nothing from a CDN), app.css and index.html. `npm run build` runs it after tsc.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildSync } from 'esbuild';

const root = path.resolve(__dirname, '..', '..');
const web = path.join(root, 'gateway', 'web');
const out = path.join(root, 'dist', 'web');

fs.mkdirSync(out, { recursive: true });
buildSync({
  entryPoints: [path.join(web, 'src', 'app.ts')],
  bundle: true,
  minify: true,
  sourcemap: true,
  format: 'iife',
  target: ['es2020'],
  outfile: path.join(out, 'app.js'),
  logLevel: 'warning',
});
for (const f of ['index.html', 'app.css']) fs.copyFileSync(path.join(web, f), path.join(out, f));
process.stdout.write(`web page built into ${path.relative(root, out)}\n`);
