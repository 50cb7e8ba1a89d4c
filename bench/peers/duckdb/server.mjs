// The DuckDB peer of the benchmark against peers (bench/README.md): one DuckDB instance
// (@duckdb/node-api with its bundled native library) on a database file, driven by the harness
// (bench/harness/systems/duckdb.py) over stdin/stdout, one JSON object per line each way.
//
//   node server.mjs DB_FILE
//   -> {"op":"exec","sql":"..."}                    <- {"ok":true,"ms":12.3}
//   -> {"op":"query","sql":"...","timeout_ms":N}    <- {"ok":true,"ms":4.5,"rows":[[...],...]}
//   -> {"op":"size"}                                <- {"ok":true,"bytes":N} (file + WAL)
//   -> {"op":"close"}                               <- {"ok":true}, then exits
// Failures answer {"ok":false,"error":"..."}. "ms" of a query covers running it and reading
// every row into JavaScript values; converting them to JSON for the harness is not timed.
// A query still running after timeout_ms is interrupted.
import fs from 'node:fs';
import readline from 'node:readline';
import { DuckDBInstance } from '@duckdb/node-api';

const dbPath = process.argv[2];
if (!dbPath) {
  process.stderr.write('usage: node server.mjs DB_FILE\n');
  process.exit(2);
}
const instance = await DuckDBInstance.create(dbPath);
const connection = await instance.connect();

function reply(answer) {
  process.stdout.write(JSON.stringify(answer) + '\n');
}

function fileBytes(path) {
  try {
    return fs.statSync(path).blocks * 512;
  } catch {
    return 0;
  }
}

async function timed(sql, timeoutMs, readRows) {
  const timer = timeoutMs > 0 ? setTimeout(() => connection.interrupt(), timeoutMs) : null;
  try {
    const started = process.hrtime.bigint();
    const reader = await connection.runAndReadAll(sql);
    if (readRows) reader.getRows();
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    return { ms, reader };
  } finally {
    if (timer) clearTimeout(timer);
  }
}

const lines = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
for await (const line of lines) {
  if (!line.trim()) continue;
  let request;
  try {
    request = JSON.parse(line);
  } catch (error) {
    reply({ ok: false, error: `bad request: ${error.message}` });
    continue;
  }
  try {
    if (request.op === 'exec') {
      const { ms } = await timed(request.sql, request.timeout_ms ?? 0, false);
      reply({ ok: true, ms });
    } else if (request.op === 'query') {
      const { ms, reader } = await timed(request.sql, request.timeout_ms ?? 0, true);
      reply({ ok: true, ms, rows: reader.getRowsJson() });
    } else if (request.op === 'size') {
      reply({ ok: true, bytes: fileBytes(dbPath) + fileBytes(`${dbPath}.wal`) });
    } else if (request.op === 'close') {
      connection.closeSync();
      instance.closeSync();
      reply({ ok: true });
      break;
    } else {
      reply({ ok: false, error: `unknown op ${request.op}` });
    }
  } catch (error) {
    reply({ ok: false, error: String(error?.message ?? error) });
  }
}
process.exit(0);
