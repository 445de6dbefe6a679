import Database from 'better-sqlite3';
const file = process.argv[2];
const variant = process.argv[3];
const COLS = 'path, fast_photo_key, size, mtime_ms, etag, external_id, photo_md5, kind, taken_at, width, height, starred, status, reason'.split(', ');
const CH = 5000;
function fromArray(row) {
  const ok = row[12] === 'ok';
  return { path: row[0], fastPhotoKey: row[1], size: row[2], mtimeMs: row[3], etag: row[4], externalId: row[5], photoMd5: row[6], kind: row[7], takenAt: row[8], width: row[9], height: row[10], starred: row[11] === 1, status: ok ? 'ok' : 'failed', reason: ok ? null : row[13] };
}
function runA(db) {
  const st = db.prepare(`SELECT json_group_array(json_array(${COLS.join(', ')})), count(*), max(path) FROM (SELECT * FROM entries WHERE path > ? ORDER BY path LIMIT ?)`).raw(true);
  const out = []; let after = '';
  for (;;) { const [j, c, last] = st.get(after, CH); if (c > 0) for (const r of JSON.parse(j)) out.push(fromArray(r)); if (c < CH) break; after = last; }
  return out;
}
function runB(db) {
  const agg = `json_array(${COLS.map((c) => `json_group_array(${c})`).join(', ')})`;
  const st = db.prepare(`SELECT ${agg}, count(*), max(path) FROM (SELECT * FROM entries WHERE path > ? ORDER BY path LIMIT ?)`).raw(true);
  const out = []; let after = '';
  for (;;) {
    const [j, c, last] = st.get(after, CH);
    if (c > 0) {
      const [p, k, s, m, e, x, md, kd, t, w, h, sr, stt, rs] = JSON.parse(j);
      for (let i = 0; i < c; i++) { const ok = stt[i] === 'ok'; out.push({ path: p[i], fastPhotoKey: k[i], size: s[i], mtimeMs: m[i], etag: e[i], externalId: x[i], photoMd5: md[i], kind: kd[i], takenAt: t[i], width: w[i], height: h[i], starred: sr[i] === 1, status: ok ? 'ok' : 'failed', reason: ok ? null : rs[i] }); }
    }
    if (c < CH) break; after = last;
  }
  return out;
}
function runC(db) {
  // raw iterate
  const st = db.prepare(`SELECT ${COLS.join(', ')} FROM entries ORDER BY path`).raw(true);
  const out = []; for (const r of st.iterate()) out.push(fromArray(r)); return out;
}
function runD(db) {
  // only sql side of A
  const st = db.prepare(`SELECT json_group_array(json_array(${COLS.join(', ')})), count(*), max(path) FROM (SELECT * FROM entries WHERE path > ? ORDER BY path LIMIT ?)`).raw(true);
  let after = ''; let n = 0;
  for (;;) { const [j, c, last] = st.get(after, CH); n += c; if (c < CH) break; after = last; }
  return { length: n };
}
function runE(db) {
  const agg = `json_array(${COLS.map((c) => `json_group_array(${c})`).join(', ')})`;
  const st = db.prepare(`SELECT ${agg}, count(*), max(path) FROM (SELECT * FROM entries WHERE path > ? ORDER BY path LIMIT ?)`).raw(true);
  let after = ''; let n = 0;
  for (;;) { const [j, c, last] = st.get(after, CH); n += c; if (c < CH) break; after = last; }
  return { length: n };
}
function bounded(db, agg, each) {
  const bound = db.prepare('SELECT path FROM entries WHERE path > ? ORDER BY path LIMIT 1 OFFSET ?').pluck();
  const last = db.prepare('SELECT max(path) FROM entries').pluck();
  const st = db.prepare(`SELECT ${agg} FROM entries WHERE path > ? AND path <= ?`).pluck();
  let after = ''; const end = last.get();
  for (;;) {
    const upto = bound.get(after, CH - 1) ?? end;
    each(JSON.parse(st.get(after, upto)));
    if (upto === end) break; after = upto;
  }
}
function runF(db) {
  const out = [];
  bounded(db, `json_group_array(json_array(${COLS.join(', ')}))`, (rows) => { for (const r of rows) out.push(fromArray(r)); });
  return out;
}
const OBJ = `json_object('path', path, 'fastPhotoKey', fast_photo_key, 'size', size, 'mtimeMs', mtime_ms, 'etag', etag, 'externalId', external_id, 'photoMd5', photo_md5, 'kind', kind, 'takenAt', taken_at, 'width', width, 'height', height, 'starred', CASE starred WHEN 1 THEN json('true') ELSE json('false') END, 'status', CASE status WHEN 'ok' THEN 'ok' ELSE 'failed' END, 'reason', CASE status WHEN 'ok' THEN NULL ELSE reason END)`;
function runG(db) {
  let out = [];
  bounded(db, `json_group_array(${OBJ})`, (rows) => { for (const r of rows) out.push(r); });
  return out;
}
function runH(db) {
  let n = 0;
  bounded(db, `json_group_array(${OBJ})`, (rows) => { n += rows.length; });
  return { length: n };
}
function runI(db) {
  const st = db.prepare(`SELECT ${COLS.join(', ')} FROM entries ORDER BY path`).raw(true);
  const out = []; for (const r of st.all()) out.push(fromArray(r)); return out;
}
const fns = { F: runF, G: runG, H: runH, I: runI,  A: runA, B: runB, C: runC, D: runD, E: runE };
const t0 = performance.now();
const db = new Database(file, { readonly: true });
const t1 = performance.now();
const r = fns[variant](db);
const t2 = performance.now();
console.log(variant, r.length, 'open', (t1 - t0).toFixed(1), 'list', (t2 - t1).toFixed(1));
