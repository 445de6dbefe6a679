import Database from 'better-sqlite3';
const db = new Database(process.argv[2], { readonly: true });
const COLS = 'path, fast_photo_key, size, mtime_ms, etag, external_id, photo_md5, kind, taken_at, width, height, starred, status, reason';
const CH = +(process.argv[3] ?? 5000);
function fromArray(row) {
  const ok = row[12] === 'ok';
  return { path: row[0], fastPhotoKey: row[1], size: row[2], mtimeMs: row[3], etag: row[4], externalId: row[5], photoMd5: row[6], kind: row[7], takenAt: row[8], width: row[9], height: row[10], starred: row[11] === 1, status: ok ? 'ok' : 'failed', reason: ok ? null : row[13] };
}
const bound = db.prepare('SELECT path FROM entries WHERE path > ? ORDER BY path LIMIT 1 OFFSET ?').pluck();
const last = db.prepare('SELECT max(path) FROM entries').pluck();
const st = db.prepare(`SELECT json_group_array(json_array(${COLS})) FROM entries WHERE path > ? AND path <= ?`).pluck();
let tb = 0, tq = 0, tp = 0, ts = 0;
const t0 = performance.now();
let after = ''; const end = last.get(); const out = [];
for (;;) {
  let t = performance.now();
  const upto = bound.get(after, CH - 1) ?? end;
  tb += performance.now() - t; t = performance.now();
  const j = st.get(after, upto);
  tq += performance.now() - t; t = performance.now();
  const rows = JSON.parse(j);
  tp += performance.now() - t; t = performance.now();
  for (const r of rows) out.push(fromArray(r));
  ts += performance.now() - t;
  if (upto === end) break; after = upto;
}
console.log(CH, 'total', (performance.now() - t0).toFixed(0), 'bound', tb.toFixed(0), 'sql', tq.toFixed(0), 'parse', tp.toFixed(0), 'shape', ts.toFixed(0));
