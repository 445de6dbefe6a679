#!/usr/bin/env node
// Creates a small sample photo folder for the README's first command: the real camera photos in
// fixtures/real (JPEG orientations, GPS, an iPhone HEIC) in dated folders, plus a hidden file and a
// text file that the catalog must skip or record as non-images.
import { copyFileSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const target = path.resolve(process.argv[2] ?? 'sample-photos');
const fixtures = fileURLToPath(new URL('../fixtures/real/', import.meta.url));
if (!existsSync(target)) {
  const folders = {
    Canon_40D: '2008/05',
    Nikon_D70: '2008/03',
    DSCN: '2008/10-tuscany',
    iphone: '2022/02',
    landscape: 'orientations',
    no_exif: 'misc',
  };
  for (const name of readdirSync(fixtures)) {
    if (!/\.(jpe?g|heic)$/i.test(name)) continue;
    const folder = Object.entries(folders).find(([prefix]) => name.startsWith(prefix))?.[1] ?? 'misc';
    mkdirSync(path.join(target, folder), { recursive: true });
    copyFileSync(path.join(fixtures, name), path.join(target, folder, name));
  }
  writeFileSync(
    path.join(target, 'README.txt'),
    'Sample photos: CC BY-SA 4.0, see fixtures/real/NOTICE.md\n',
  );
  writeFileSync(path.join(target, '.DS_Store'), 'hidden files are skipped');
  process.stderr.write(`sample: created ${target}\n`);
}
process.stdout.write(`${target}\n`);
