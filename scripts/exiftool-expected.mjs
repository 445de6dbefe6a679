// Writes fixtures/exif-samples/exiftool.json: what exiftool reads from every photo of fixtures/real and
// fixtures/exif-samples, the reference tests/pipeline/exiftool-corpus.test.ts holds our reader to.
// Needs exiftool (apt: libimage-exiftool-perl). Run from the repository root after adding a photo.
import { execFileSync } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';

// Every date tag with its group (ExifIFD, XMP-xmp, CIFF, ...), so a test can apply our documented
// order of precedence to exiftool's values. Left out: the file system's dates, and the composites
// but the signed GPS position.
const TAGS = ['-time:all', '-Make', '-Model', '-IFD0:Orientation', '-GPSLatitude', '-GPSLongitude'];
const SKIPPED_GROUPS = /^(System|File|ICC-header|ICC_Profile|XMP-xmpMM|XMP-x|GPS|IFD1):/;
const kept = (tag) =>
  !SKIPPED_GROUPS.test(tag) && (!tag.startsWith('Composite:') || /^Composite:GPSL(at|ong)itude$/.test(tag));
const photos = ['real', 'exif-samples'].flatMap((folder) =>
  readdirSync(`fixtures/${folder}`)
    .filter((name) => /\.(jpe?g|heic)$/i.test(name))
    .map((name) => `fixtures/${folder}/${name}`),
);
const read = JSON.parse(
  execFileSync('exiftool', ['-json', '-n', '-G1', ...TAGS, ...photos], {
    maxBuffer: 1 << 26,
  }).toString(),
);
const expected = read
  .map(({ SourceFile, ...tags }) => ({
    file: SourceFile.replace(/^fixtures\//, ''),
    ...Object.fromEntries(Object.entries(tags).filter(([tag]) => kept(tag))),
  }))
  .sort((a, b) => (a.file < b.file ? -1 : 1));
writeFileSync('fixtures/exif-samples/exiftool.json', `${JSON.stringify(expected, null, 2)}\n`);
console.log(`${expected.length} photos`);
