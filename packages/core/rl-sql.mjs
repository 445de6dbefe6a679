import Database from 'better-sqlite3';
const db = new Database(process.argv[2], { readonly: true });
const COLS = 'path, fast_photo_key, size, mtime_ms, etag, external_id, photo_md5, kind, taken_at, width, height, starred, status, reason';
const qs = {
  count: 'select count(*) from entries',
  lens: 'select sum(length(path)+length(fast_photo_key)+length(photo_md5)) from entries',
  jsonAll: `select json_group_array(json_array(${COLS})) from entries`,
  jsonChunk5000: `select json_group_array(json_array(${COLS})) from (select * from entries where path > '' order by path limit 5000)`,
  concatAll: `select group_concat(concat_ws(char(31), ${COLS}), char(30)) from entries`,
  concatNoNull: `select group_concat(path||char(31)||fast_photo_key||char(31)||size||char(31)||mtime_ms||char(31)||ifnull(etag,'')||char(31)||ifnull(external_id,'')||char(31)||ifnull(photo_md5,'')||char(31)||kind||char(31)||ifnull(taken_at,'')||char(31)||ifnull(width,'')||char(31)||ifnull(height,'')||char(31)||starred||char(31)||status||char(31)||ifnull(reason,''), char(30)) from entries`,
};
for (let r = 0; r < 3; r++) for (const [k, q] of Object.entries(qs)) {
  const st = db.prepare(q).raw(true);
  const t = performance.now(); const v = st.get(); const ms = performance.now() - t;
  console.log(k.padEnd(14), ms.toFixed(1), typeof v[0] === 'string' ? v[0].length : v[0]);
}
