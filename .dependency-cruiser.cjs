// The architecture's dependency rules (root README, "Architecture"), checked by `pnpm lint`.
// Workspace packages resolve to their src/ through the `source` condition, so an import of
// `@photolala/backend-local` is seen as a dependency on packages/backend-local/src; one a package
// does not declare stays unresolved and is matched by its name, `@photolala/...`.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'core-imports-no-backend',
      comment: 'The core knows no storage type: it imports no backend, CLI or gallery.',
      severity: 'error',
      from: { path: '^packages/core/' },
      to: { path: '^(packages/(?!core/)|@photolala/(?!core$))' },
    },
    {
      name: 'core-source-and-digest-below-the-catalog',
      comment:
        'Inside core, the source layer (the contract a backend is written against) and the digest ' +
        'pipeline know nothing of catalogs: they import nothing from catalog/, which builds on them.',
      severity: 'error',
      from: { path: '^packages/core/src/(source|digest)/' },
      to: { path: '^packages/core/src/catalog/' },
    },
    {
      name: 'backends-import-only-core',
      comment: 'A backend imports only core, never another backend (nor the CLI or gallery).',
      severity: 'error',
      from: { path: '^packages/(backend-[^/]+)/src/' },
      to: { path: '^(packages|@photolala)/', pathNot: '^(packages/(core|$1)/|@photolala/(core|$1)$)' },
    },
    {
      name: 'cli-reaches-backends-through-the-registry',
      comment:
        'The CLI opens roots through its backend registry (a lazy import by scheme) and the cloud ' +
        "store through the S3 plug-in's createCloudStore, never by importing a backend.",
      severity: 'error',
      from: { path: '^packages/cli/src/' },
      to: { path: '^(packages|@photolala)/backend-' },
    },
    {
      name: 'gallery-imports-no-backend',
      comment: 'The gallery serves a Catalog from core; it imports no backend and no CLI.',
      severity: 'error',
      from: { path: '^packages/gallery/src/' },
      to: { path: '^(packages|@photolala)/(backend-|cli)' },
    },
    {
      name: 'no-cycles',
      comment: 'Modules do not import each other, directly or around a loop.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    includeOnly: '^(packages/[^/]+/src/|@photolala/)',
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.base.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['source', 'import', 'node', 'default'],
      mainFields: ['module', 'main', 'types'],
    },
  },
};
