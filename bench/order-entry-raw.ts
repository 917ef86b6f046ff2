// The raw baseline of bench:order-entry (a child process): a minimal HTTP route that does the
// physical work of our order path and nothing else. It parses the same JSON body, appends
// the same bytes our journal appends for a client order (a 'C' token record and an 'N'
// record, 2 x 56 bytes), and answers once those bytes are fdatasynced (as sim/'s journal), with the same group
// commit as sim/'s journal: a batch is written at the end of the loop turn its first request
// arrived in (and every 1 ms), one fsync is in
// flight at a time, and when it returns every request written before it began is answered.
// No validation, no account, no risk, no wallet, no matching, no report routing.
import * as fs from 'node:fs';
import * as http from 'node:http';

const RECORD_BYTES = 2 * 56;
const journalPath = process.argv[2];
if (journalPath === undefined) throw new Error('usage: order-entry-raw.js JOURNAL');

const fd = fs.openSync(journalPath, 'w');
const batch = Buffer.alloc(RECORD_BYTES * 65_536);
let batchUsed = 0;
let written: http.ServerResponse[] = []; // written, waiting for an fsync that began after their write
let pending: http.ServerResponse[] = []; // in the batch, not written yet
let syncing = false;
let seq = 0;

function answer(res: http.ServerResponse, id: number): void {
  const body = `{"id":"${id}","status":"new","filledQuantity":0}`;
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

function sync(): void {
  if (syncing || written.length === 0) return;
  syncing = true;
  const covered = written;
  written = [];
  fs.fdatasync(fd, (err) => {
    syncing = false;
    if (err) throw err;
    for (const res of covered) answer(res, ++seq);
    sync();
  });
}

function flush(): void {
  flushSoon = false;
  if (batchUsed === 0) return;
  fs.writeSync(fd, batch, 0, batchUsed);
  batchUsed = 0;
  for (const res of pending) written.push(res);
  pending = [];
  sync();
}
// As ours: a batch at the end of the loop turn a request arrived in, and every 1 ms.
let flushSoon = false;
setInterval(flush, 1);

const server = http.createServer({ keepAlive: true }, (req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const order = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { quantity: number; price?: string; clientOrderId?: string };
    // The same bytes as ours: the token record's text and the order record's fields.
    const base = batchUsed;
    batch.fill(0, base, base + RECORD_BYTES);
    batch.write(order.clientOrderId ?? '', base + 10, 'latin1');
    batch.writeUInt32LE(order.quantity >>> 0, base + 56 + 16);
    batch.writeUInt32LE(Math.round(Number(order.price ?? 0) * 10_000) >>> 0, base + 56 + 20);
    batchUsed += RECORD_BYTES;
    pending.push(res);
    if (!flushSoon) {
      flushSoon = true;
      setImmediate(flush);
    }
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.send?.({ type: 'listening', port: typeof address === 'object' && address !== null ? address.port : 0 });
});
process.on('disconnect', () => process.exit(0));
