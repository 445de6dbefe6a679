import path from 'node:path';
import ts from 'typescript';
import { describe, expect, test } from 'vitest';

// Each entry's names, listed here in full and sorted: adding or removing an export is a decision about
// the public API (see the README, "Entries and what is public"), so it must show up in this file too.
// A name comes into this file only when it is meant to be in that entry.

/** The main entry's own public names: catalogs, the cache, cloud sync, comparisons, identity, metadata. */
const PUBLIC = [
  'BackendRegistryOptions',
  'CachedFilePaths',
  'Catalog',
  'CatalogEntry',
  'CatalogEventMap',
  'CatalogEventName',
  'CatalogEvents',
  'CatalogLoadInfo',
  'CatalogWarning',
  'CatalogWarningCode',
  'CompareResult',
  'ComparedPhoto',
  'CorruptPhoto',
  'DEFAULT_SIMILARITY_THRESHOLD',
  'DuplicateGroup',
  'DuplicateOptions',
  'DuplicateReport',
  'EntryKind',
  'EntryLines',
  'FFMPEG_MISSING',
  'FirstScreen',
  'FirstScreenPhoto',
  'GROUP_ROLES',
  'GroupRole',
  'HEAD_BYTES',
  'IMAGE_KINDS',
  'ImageKind',
  'ListOptions',
  'LoadSource',
  'METADATA_VERSION',
  'MetadataDocument',
  'MonthStart',
  'MonthStarts',
  'OpenCatalogOptions',
  'OpenRootOptions',
  'OpenedRoot',
  'PERCEPTUAL_HASH',
  'PhotoCache',
  'PhotoColumns',
  'PhotoCopy',
  'PruneCacheOptions',
  'PruneCacheReport',
  'SCHEMA_VERSION',
  'ScanOptions',
  'ScanPhase',
  'ScanResult',
  'SimilarGroup',
  'SimilarMember',
  'SimilarOptions',
  'SimilarReport',
  'SkippedSnapshot',
  'SnapshotReadProgress',
  'SnapshotReport',
  'SnapshotWriteProgress',
  'StarQueueRow',
  'StatusResult',
  'StoreName',
  'StoreReport',
  'SyncOptions',
  'SyncReport',
  'VerifyPhotosOptions',
  'VerifyPhotosReport',
  'compareCatalogs',
  'configuredBackends',
  'entryJson',
  'fastPhotoKey',
  'findDuplicates',
  'findSimilar',
  'hammingDistance',
  'isFastPhotoKey',
  'isImageKind',
  'isMd5',
  'isRawKind',
  'loadBackend',
  'metadataDocumentSchema',
  'newestSnapshotFile',
  'openCatalog',
  'openRoot',
  'perceptualHash',
  'pruneCache',
  'resolveCacheRoot',
  'snapshotGeneration',
  'syncStarsToCloud',
  'takenAtForm',
  'verifyPhotos',
];

/** `@photolala/core/backend`: what a backend author needs, and no more. */
const BACKEND = [
  'BackendPlugin',
  'CacheShard',
  'CloudObjectStore',
  'DescribeErrorOptions',
  'ERROR_CODES',
  'EnumerateFilter',
  'EnumerateIssue',
  'EnumerateOptions',
  'ErrorCode',
  'NativeCode',
  'NativeErrorMap',
  'NativeErrors',
  'OPEN_FOR_READING',
  'PhotolalaError',
  'PhotolalaErrorOptions',
  'ROOT_URI_ERROR_BACKEND',
  'ReadOptions',
  'ReadableRootSource',
  'RootLocation',
  'RootSource',
  'SYSTEM_ERROR_CODES',
  'ServerFolderItem',
  'ServerFolderLister',
  'ServerSpellings',
  'SourceAttributes',
  'SourceCapabilities',
  'SourceEntry',
  'SourceFactoryContext',
  'SourceListing',
  'TEMP_FILE_PREFIX',
  'WriteCondition',
  'canonicalRootUri',
  'defineNativeErrors',
  'defineRootSource',
  'describeError',
  'destroyOnAbort',
  'everythingFilter',
  'fromSystemError',
  'guardSource',
  'isApplePhotoId',
  'isBackendPlugin',
  'isCacheShardName',
  'isPhotolalaError',
  'isTransientFailure',
  'joinRelative',
  'notRegularFile',
  'openRegularFile',
  'parentOf',
  'parseRootUri',
  'raceAbort',
  'readRegularFile',
  'readStreamPrefix',
  'redactRootUri',
  'requestTimeoutFromEnv',
  'resolveInside',
  'specialFileKind',
  'streamFileCounting',
  'unlessMissing',
  'validateRelativePath',
  'walkServerFolders',
  'writeFileAtomic',
];

/** `@photolala/core/internals`: not public API, and not in the main entry. */
const INTERNALS = [
  'CACHED_FILE_KINDS',
  'CACHE_SHARDS',
  'CATALOG_FILE_PATTERN',
  'DEFAULT_RETENTION',
  'DetectedImage',
  'DetectedMedia',
  'DetectedVideo',
  'DigestContext',
  'DigestLimits',
  'DigestResult',
  'Digester',
  'EntryLookup',
  'EntryStat',
  'ExifFacts',
  'LISTING_CHUNK_ROWS',
  'LOCAL_DIGEST_LIMITS',
  'LOCK_FILE',
  'OpenedSnapshot',
  'POINTER_FILE',
  'PREVIEW_SIZE',
  'PackedHashes',
  'PlanOptions',
  'REMOTE_DIGEST_LIMITS',
  'ReadFile',
  'RenderOptions',
  'RenderedThumbnail',
  'STALE_LEFTOVER_MS',
  'SYSTEM_FILE_NAMES',
  'SYSTEM_FOLDER_NAMES',
  'ScanPlan',
  'SnapshotBytesListener',
  'SnapshotStore',
  'THUMBNAIL_QUALITY',
  'THUMBNAIL_SIZE',
  'VERIFIED_FILE',
  'VIDEO_TIMEOUT_MS',
  'VideoFacts',
  'VideoTools',
  'VideoWithoutPoster',
  'XmpFacts',
  'applicationStore',
  'applyLibraryAttributes',
  'buildMetadataDocument',
  'buildVideoDocument',
  'catalogFilter',
  'cloudKeys',
  'computeGroups',
  'detectImageKind',
  'detectJpeg',
  'detectMediaKind',
  'extensionOf',
  'findEmbeddedJpegs',
  'findVideoTools',
  'formatPointer',
  'groupByHamming',
  'groupByHammingAllPairs',
  'imageExtensionOf',
  'inspectStores',
  'iso6709',
  'jpegHeaderLength',
  'md5Hex',
  'md5OfStream',
  'mirrorStore',
  'namedAsImage',
  'notAnImageReason',
  'openSnapshotBytes',
  'packHashes',
  'parsePointer',
  'perceptualHashOfPixels',
  'planScan',
  'probeVideo',
  'quickTimeDate',
  'readExif',
  'readWholeFile',
  'readXmp',
  'refusesWrites',
  'removeMirrorLeftovers',
  'renderPoster',
  'renderThumbnail',
  'rootStore',
  'snapshotFileName',
  'unreachableSource',
  'xmpDate',
];

/** `@photolala/core/testing`. */
const TESTING = [
  'ConformanceFile',
  'ConformanceOptions',
  'ConformanceSourceFactory',
  'CountingSource',
  'FaultKind',
  'FaultOptions',
  'FaultySource',
  'InjectedFault',
  'SourceUnderTest',
  'TestFunction',
  'countingSource',
  'faultySource',
  'freeLocalPort',
  'runRootSourceConformance',
  'writeTempTree',
];

const src = path.join(import.meta.dirname, '..', 'src');
const entryFiles = {
  main: path.join(src, 'index.ts'),
  backend: path.join(src, 'backend.ts'),
  internals: path.join(src, 'internals.ts'),
  testing: path.join(src, 'testing', 'index.ts'),
};

// Types are names too, so the compiler lists each entry's exports, values and types alike.
const program = ts.createProgram(Object.values(entryFiles), {
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  target: ts.ScriptTarget.ES2022,
  strict: true,
  skipLibCheck: true,
  noEmit: true,
  types: ['node'],
});
const checker = program.getTypeChecker();

/** The entry's exported names, sorted, with the values (what exists at run time) among them. */
function exportsOf(file: string): { names: string[]; values: string[] } {
  const source = program.getSourceFile(file);
  const module = source && checker.getSymbolAtLocation(source);
  if (!module) throw new Error(`not a module: ${file}`);
  const symbols = checker.getExportsOfModule(module);
  const isValue = (symbol: ts.Symbol) => {
    const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
    return (target.flags & ts.SymbolFlags.Value) !== 0;
  };
  return {
    names: symbols.map((s) => s.name).sort(),
    values: symbols
      .filter(isValue)
      .map((s) => s.name)
      .sort(),
  };
}

const sorted = (names: string[]) => [...names].sort();

/** The exported names of an entry whose declaration carries no JSDoc comment. */
function undocumented(file: string): string[] {
  const source = program.getSourceFile(file);
  const module = source && checker.getSymbolAtLocation(source);
  if (!module) throw new Error(`not a module: ${file}`);
  return checker
    .getExportsOfModule(module)
    .filter((symbol) => {
      const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
      // A `const` carries its comment on the statement, two levels above its declaration.
      const commented = (target.declarations ?? []).some((declaration) =>
        [declaration, declaration.parent?.parent].some(
          (node) => node !== undefined && ts.getJSDocCommentsAndTags(node).length > 0,
        ),
      );
      return !commented;
    })
    .map((symbol) => symbol.name)
    .sort();
}

describe('the entries of @photolala/core', () => {
  test('each list above is sorted and has no name twice, and no name is in two of them', () => {
    for (const list of [PUBLIC, BACKEND, INTERNALS, TESTING]) {
      expect(list).toEqual(sorted(list));
      expect(new Set(list).size).toBe(list.length);
    }
    const all = [...PUBLIC, ...BACKEND, ...INTERNALS];
    expect(new Set(all).size).toBe(all.length);
  });

  test('/backend exports exactly the backend contract', () => {
    expect(exportsOf(entryFiles.backend).names).toEqual(BACKEND);
  });

  test('/internals exports exactly the internals', () => {
    expect(exportsOf(entryFiles.internals).names).toEqual(INTERNALS);
  });

  test('/testing exports exactly the conformance suite and its helpers', () => {
    expect(exportsOf(entryFiles.testing).names).toEqual(TESTING);
  });

  test('the main entry exports its own names and the backend contract, and none of the internals', () => {
    expect(exportsOf(entryFiles.main).names).toEqual(sorted([...PUBLIC, ...BACKEND]));
  });

  test('every name of the main entry, /backend and /testing has a JSDoc comment', () => {
    expect(undocumented(entryFiles.main)).toEqual([]);
    expect(undocumented(entryFiles.backend)).toEqual([]);
    expect(undocumented(entryFiles.testing)).toEqual([]);
  });

  test('each entry resolves through the package exports and has its values at run time', async () => {
    const loaded = {
      main: await import('@photolala/core'),
      backend: await import('@photolala/core/backend'),
      internals: await import('@photolala/core/internals'),
      testing: await import('@photolala/core/testing'),
    };
    for (const [entry, module] of Object.entries(loaded))
      expect(Object.keys(module).sort(), entry).toEqual(
        exportsOf(entryFiles[entry as keyof typeof entryFiles]).values,
      );
    // One PhotolalaError, whichever entry it is taken from.
    expect(loaded.backend.PhotolalaError).toBe(loaded.main.PhotolalaError);
  });
});
