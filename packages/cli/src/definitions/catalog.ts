import { type Command, Option } from 'commander';
import type { ListOptions } from '../commands/browse.js';
import type { ScanOptions } from '../commands/scan.js';
import type { SyncOptions } from '../commands/sync.js';
import { parseRating } from '../options.js';
import { rootKinds } from '../root-help.js';
import type { Runner } from '../runner.js';

/** sync, scan, list, thumbnail, metadata, star and unstar: the commands that build and browse a catalog. */
export function defineCatalogCommands(program: Command, run: Runner, kind: Option): void {
  program
    .command('sync')
    .description(
      'upload starred photos, their thumbnails and the catalog to the cloud layout; delete unstarred ones',
    )
    .argument('<root>', 'the catalogued root')
    .requiredOption('--to <s3-bucket>', 'the cloud bucket, s3://bucket')
    .requiredOption('--user <uuid>', 'the user id the cloud layout is keyed by')
    .option('--json', 'print one JSON object')
    .addHelpText(
      'after',
      '\nObjects: photos/{user}/{photo-md5}.{ext}, thumbnails/{user}/{photo-md5}.jpg, catalogs/{user}/.\nAn interrupted sync can be run again; it finishes the work without duplicating anything.\n\nExample:\n  $ photolala sync ~/Pictures --to s3://my-bucket --user 0b5f0a4e-5c1d-4b8e-9a57-3f6d2c1e9b70\n',
    )
    .action(async function (this: Command, root: string, opts: SyncOptions) {
      await run(this, opts.json ?? false, async (out, globals) =>
        (await import('../commands/sync.js')).sync(out, globals, root, opts),
      );
    });

  program
    .command('scan')
    .description('build or update the catalog of ROOT, then publish a snapshot')
    .argument('<root>', rootKinds())
    .option('--json', 'print one JSON object with the result on stdout')
    .option('--full', 're-read file heads and re-hash every photo, even when size and mtime are unchanged')
    .addHelpText(
      'after',
      '\nExamples:\n  $ photolala scan ~/Pictures/2024\n  $ photolala scan /mnt/nas/photos --json > result.json\n',
    )
    .action(async function (this: Command, root: string, opts: ScanOptions) {
      await run(this, opts.json ?? false, async (out, globals) =>
        (await import('../commands/scan.js')).scan(out, globals, root, opts),
      );
    });

  program
    .command('list')
    .description('list the entries of the newest valid snapshot, without reading any photo')
    .argument('<root>', 'the catalogued root')
    .argument('[directory]', 'only entries under this folder (relative to the root)')
    .option('--json', 'print NDJSON: one JSON object per entry')
    .option('--starred', 'only starred entries')
    .addOption(kind)
    .option(
      '--all',
      'every file on its own line: a Live Photo, RAW+JPEG pair or edited copy is otherwise one line',
    )
    .addOption(
      new Option('--rating <n>', 'only photos of at least N stars in their XMP rating (4 or 4+)').argParser(
        parseRating,
      ),
    )
    .option('--keyword <word>', 'only photos with this XMP keyword (ignoring case)')
    .option(
      '--user <uuid>',
      'with ROOT s3://bucket: browse the catalog `photolala sync` uploaded for this user',
    )
    .addHelpText(
      'after',
      '\nExamples:\n  $ photolala list ~/Pictures/2024 --starred\n  $ photolala list ~/Pictures/2024 --rating 4+ --keyword beach\n  $ photolala list ~/Pictures/2024 trips/rome --json | jq .path\n  $ photolala list s3://my-bucket --user 0b5f0a4e-5c1d-4b8e-9a57-3f6d2c1e9b70\n',
    )
    .action(async function (this: Command, root: string, directory: string | undefined, opts: ListOptions) {
      await run(this, opts.json ?? false, async (out, globals) =>
        (await import('../commands/browse.js')).list(out, globals, root, directory, opts),
      );
    });

  program
    .command('thumbnail')
    .description('print the absolute path of the cached 256x256 thumbnail, making it if missing')
    .argument('<root>', 'the catalogued root')
    .argument('<id>', 'a relative path, fast-photo-key, photo-md5 or apple-photo-id')
    .option('--user <uuid>', 'with ROOT s3://bucket: fetch from the cloud copy of this user (photolala sync)')
    .addHelpText('after', '\nExample:\n  $ photolala thumbnail ~/Pictures/2024 trips/rome/IMG_0001.JPG\n')
    .action(async function (this: Command, root: string, id: string, opts: { user?: string }) {
      await run(this, false, async (out, globals) =>
        (await import('../commands/browse.js')).thumbnail(out, globals, root, id, opts),
      );
    });

  program
    .command('metadata')
    .description('print the absolute path of the metadata document (or its content with --print)')
    .argument('<root>', 'the catalogued root')
    .argument('<id>', 'a relative path, fast-photo-key, photo-md5 or apple-photo-id')
    .option('--print', 'print the document instead of its path')
    .option('--user <uuid>', 'with ROOT s3://bucket: read the cloud copy of this user (photolala sync)')
    .addHelpText('after', '\nExample:\n  $ photolala metadata ~/Pictures/2024 IMG_0001.JPG --print\n')
    .action(async function (
      this: Command,
      root: string,
      id: string,
      opts: { print?: boolean; user?: string },
    ) {
      await run(this, false, async (out, globals) =>
        (await import('../commands/browse.js')).metadata(out, globals, root, id, opts),
      );
    });

  for (const starred of [true, false]) {
    const name = starred ? 'star' : 'unstar';
    program
      .command(name)
      .description(`${starred ? 'star' : 'unstar'} entries and queue the change for cloud sync`)
      .argument('<root>', 'the catalogued root')
      .argument('<ids...>', 'relative paths, fast-photo-keys or photo-md5s')
      .addHelpText('after', `\nExample:\n  $ photolala ${name} ~/Pictures/2024 IMG_0001.JPG IMG_0002.JPG\n`)
      .action(async function (this: Command, root: string, ids: string[]) {
        await run(this, false, async (out, globals) =>
          (await import('../commands/stars.js')).setStars(out, globals, starred, root, ids),
        );
      });
  }
}
