import { statSync } from 'node:fs';
import nodePath from 'node:path';
import {
  type EnumerateOptions,
  guardSource,
  isApplePhotoId,
  PhotolalaError,
  parseRootUri,
  type RootLocation,
  type RootSource,
  type SourceAttributes,
  type SourceEntry,
} from '@photolala/core/backend';
import { z } from 'zod';
import { bundleErrors, openBundleFiles } from './bundle-files.js';
import {
  BACKEND,
  libraryTakenAt,
  type PhotosAsset,
  type PhotosLibrary,
  readPhotosLibrary,
} from './photos-database.js';

const applePhotosSourceOptions = z.object({
  /** Path to the `.photoslibrary` bundle (a copy is fine; nothing in it is ever written). */
  library: z.string().min(1),
});

export type ApplePhotosSourceOptions = z.input<typeof applePhotosSourceOptions>;

const DIRECTORY_PATTERN = /^[0-9A-Fa-f]$/;
const FILENAME_PATTERN =
  /^([0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12})(?:_\d+)?\.[A-Za-z0-9]{1,10}$/;
const REFERENCED_FILE = 10;

/**
 * Why an asset is not catalogued, or `undefined` when it is. Videos (ZKIND 1) are listed like photos:
 * the catalog recognises a movie by its bytes, as anywhere else, and makes its poster with ffmpeg.
 */
function skipReason(asset: PhotosAsset): string | undefined {
  if (asset.trashed) return 'in the Photos trash';
  if (asset.savedAssetType === REFERENCED_FILE) {
    return `a referenced file kept outside the library${asset.originalFilename ? ` (${asset.originalFilename})` : ''}; it is not read because it lies outside the root`;
  }
  if (asset.localAvailability !== null && asset.localAvailability !== 1)
    return 'the original is only in iCloud';
  return undefined;
}

function attributesOf(asset: PhotosAsset): SourceAttributes {
  const takenAt = libraryTakenAt(asset.dateCreated, asset.timezoneOffset);
  const hasLocation =
    asset.latitude !== null &&
    asset.longitude !== null &&
    asset.latitude !== -180 &&
    asset.longitude !== -180 &&
    Math.abs(asset.latitude) <= 90 &&
    Math.abs(asset.longitude) <= 180;
  return {
    ...(takenAt ? { takenAt } : {}),
    favorite: asset.favorite,
    hidden: asset.hidden,
    ...(asset.originalFilename ? { originalFilename: asset.originalFilename.slice(0, 1024) } : {}),
    ...(hasLocation ? { latitude: asset.latitude!, longitude: asset.longitude! } : {}),
  };
}

/**
 * A read-only `RootSource` over an Apple Photos library bundle, on any OS. The asset list comes from
 * `database/Photos.sqlite` (Photos 5 through 9+); originals are read from
 * `originals/{ZDIRECTORY}/{ZFILENAME}` inside the bundle. Each entry carries its apple-photo-id and
 * the library's own facts (date with time zone, favorite, original name, location).
 */
export async function createApplePhotosSource(
  options: ApplePhotosSourceOptions,
): Promise<RootSource & { library(): PhotosLibrary }> {
  const { library } = applePhotosSourceOptions.parse(options);
  const location = parseRootUri(library);
  if (location.scheme !== 'apple-photos') {
    throw new PhotolalaError('INVALID_ARGUMENT', `not a .photoslibrary bundle: ${library}`, {
      backend: BACKEND,
      path: library,
    });
  }
  return applePhotosSourceAt(location);
}

/**
 * The source over a library whose root is already parsed: what the plug-in calls with the location
 * the registry parsed, rather than parsing the root a second time.
 */
export async function applePhotosSourceAt(
  location: Extract<RootLocation, { scheme: 'apple-photos' }>,
): Promise<RootSource & { library(): PhotosLibrary }> {
  const bundle = location.path;
  // Reads go through core's regular-file reading, confined to the bundle and never writing.
  const files = await openBundleFiles(bundle);
  let lastRead: PhotosLibrary = readPhotosLibrary(bundle);

  async function* enumerate(options: EnumerateOptions = {}): AsyncGenerator<SourceEntry> {
    const { filter, onIssue, signal } = options;
    lastRead = readPhotosLibrary(bundle);
    const skip = (path: string, reason: string) =>
      onIssue?.({
        path,
        skipped: true,
        error: new PhotolalaError('UNSUPPORTED', reason, { backend: BACKEND, path }),
      });
    // The library's folders are its own (`originals/0` to `originals/F`), but a filter decides on them
    // as on any folder: one it rejects yields none of its files.
    const folderVerdicts = new Map<string, boolean>();
    const folderAllowed = (directory: string) => {
      if (!filter) return true;
      let allowed = folderVerdicts.get(directory);
      if (allowed === undefined) {
        allowed =
          filter.directory('originals', 'originals') && filter.directory(directory, `originals/${directory}`);
        folderVerdicts.set(directory, allowed);
      }
      return allowed;
    };
    for (const asset of lastRead.assets) {
      if (signal?.aborted) return;
      const label = asset.filename
        ? `originals/${asset.directory ?? '?'}/${asset.filename}`
        : `asset ${asset.uuid}`;
      if (!isApplePhotoId(asset.uuid)) {
        skip(label, `asset has no valid UUID (${JSON.stringify(asset.uuid.slice(0, 64))})`);
        continue;
      }
      const reason = skipReason(asset);
      if (reason) {
        skip(label, reason);
        continue;
      }
      // Database values build a path only after they are checked: one hex digit, then `{UUID}.{ext}`.
      if (
        !asset.directory ||
        !DIRECTORY_PATTERN.test(asset.directory) ||
        !asset.filename ||
        !FILENAME_PATTERN.test(asset.filename)
      ) {
        skip(label, 'the database names an original path of an unexpected shape');
        continue;
      }
      const path = `originals/${asset.directory}/${asset.filename}`;
      if (!folderAllowed(asset.directory)) continue;
      if (filter && !filter.file(asset.filename, path)) continue;
      let size: number;
      let mtimeMs: number;
      try {
        const info = statSync(nodePath.join(bundle, 'originals', asset.directory, asset.filename));
        size = info.size;
        mtimeMs = Math.floor(info.mtimeMs);
      } catch {
        skip(path, 'the original file is missing from the library');
        continue;
      }
      yield { path, size, mtimeMs, externalId: asset.uuid.toUpperCase(), attributes: attributesOf(asset) };
    }
  }

  return guardSource(
    {
      backend: BACKEND,
      uri: location.uri,
      capabilities: { writable: false, removable: false, etags: false, mtimeResolutionMs: 1, remote: false },
      enumerate,
      ...files,
      close: async () => {},
      /** What the last enumeration read from the database (version, assets). */
      library: () => lastRead,
    },
    bundleErrors,
  );
}
