import { METADATA_VERSION, NULLABLE_DOCUMENT_KEYS } from '../digest/metadata.js';

// How a metadata document is kept in a catalog's `metadata` table from snapshot schema 6 on: JSON
// still (SQL reads fields of it by name, see readPerceptualHashes and group-rows.ts), without what the
// row's key or the document itself gives again. A photo without EXIF had ten nulls, its version and
// its own photo-md5 in every document: more than half of its bytes, and the largest table of a
// snapshot. Every reader of the table goes through storedDocument, which gives the whole document.

type Fields = Record<string, unknown>;

const isObject = (value: unknown): value is Fields =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The MIME type a document of `kind` has unless it says otherwise (`image/jpeg` for `jpeg`). */
const usualMime = (kind: unknown) =>
  typeof kind === 'string' && kind !== 'video' ? `image/${kind}` : undefined;

/**
 * The text stored for `document`, the metadata document of `photoMd5`. Left out, and given back by
 * storedDocument: `version` (when it is METADATA_VERSION), `photoMd5` (when it is the row's key), the
 * fields of NULLABLE_DOCUMENT_KEYS and a GPS altitude when null, `storedWidth` and `storedHeight` when equal
 * to `width` and `height`, `orientation` when 1, `mime` when it is `image/{kind}`. A document of
 * another version, or no document at all, is stored whole: a stored text with `version` is read as
 * it stands, as documents of older snapshots are.
 */
export function storedDocumentText(document: unknown, photoMd5: string): string {
  if (!isObject(document) || document.version !== METADATA_VERSION) return JSON.stringify(document);
  const stored: Fields = {};
  for (const [key, value] of Object.entries(document)) {
    if (omitted(document, key, value, photoMd5)) continue;
    stored[key] =
      key === 'gps' && isObject(value) && value.altitude === null ? withoutAltitude(value) : value;
  }
  return JSON.stringify(stored);
}

function omitted(document: Fields, key: string, value: unknown, photoMd5: string): boolean {
  switch (key) {
    case 'version':
      return true;
    case 'photoMd5':
      return value === photoMd5;
    case 'storedWidth':
      return value === document.width;
    case 'storedHeight':
      return value === document.height;
    case 'orientation':
      return value === 1;
    case 'mime':
      return value === usualMime(document.kind);
    default:
      return value === null && (NULLABLE_DOCUMENT_KEYS as readonly string[]).includes(key);
  }
}

function withoutAltitude(gps: Fields): Fields {
  const { altitude: _, ...rest } = gps;
  return rest;
}

/**
 * The whole metadata document a stored text (see storedDocumentText) of the row `photoMd5` holds,
 * parsed but not checked: callers check it against metadataDocumentSchema, as it comes from a snapshot.
 * Undefined when the text is no JSON. A text with `version` (every document of a snapshot before
 * schema 6) is the document as it stands.
 */
export function storedDocument(text: unknown, photoMd5: string): unknown {
  if (typeof text !== 'string') return undefined;
  let stored: unknown;
  try {
    stored = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isObject(stored) || Object.hasOwn(stored, 'version')) return stored;
  const document: Fields = { version: METADATA_VERSION, photoMd5, ...stored };
  const absent = (key: string, fields: Fields = document) => !Object.hasOwn(fields, key);
  for (const key of NULLABLE_DOCUMENT_KEYS) if (absent(key)) document[key] = null;
  if (isObject(document.gps) && absent('altitude', document.gps))
    document.gps = { ...document.gps, altitude: null };
  if (absent('storedWidth')) document.storedWidth = document.width;
  if (absent('storedHeight')) document.storedHeight = document.height;
  if (absent('orientation')) document.orientation = 1;
  const mime = usualMime(document.kind);
  if (absent('mime') && mime !== undefined) document.mime = mime;
  return document;
}
