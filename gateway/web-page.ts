// The web page (gateway/web, bundled into dist/web by `npm run build`) served at `/` from
// memory: read once at start-up, so a request costs no disk read.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { FastifyInstance } from 'fastify';

const FILES: Record<string, string> = {
  'index.html': 'text/html; charset=utf-8',
  'app.js': 'text/javascript; charset=utf-8',
  'app.css': 'text/css; charset=utf-8',
  'app.js.map': 'application/json',
};

/** Registers `/` and the page's files from `dir`; without a built page, `/` says how to build it. Returns whether the page was found. */
export function registerWebPage(app: FastifyInstance, dir: string): boolean {
  const found = fs.existsSync(path.join(dir, 'index.html'));
  if (!found) {
    app.get('/', async (_req, reply) =>
      reply.code(503).send({ code: 'TW_ERR_GW_NO_WEB_PAGE', message: `the web page is not built (no ${path.join(dir, 'index.html')}); run npm run build` }),
    );
    return false;
  }
  for (const [file, type] of Object.entries(FILES)) {
    const where = path.join(dir, file);
    if (!fs.existsSync(where)) continue;
    const body = fs.readFileSync(where);
    const handler = async (_req: unknown, reply: { header(k: string, v: string): unknown; send(b: Buffer): unknown }) => {
      reply.header('content-type', type);
      reply.header('cache-control', 'no-cache');
      return reply.send(body);
    };
    app.get(`/${file}`, handler);
    if (file === 'index.html') app.get('/', handler);
  }
  return true;
}
