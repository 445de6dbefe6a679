import type { EntryKind } from '../digest/image-kind.js';

/**
 * What a file is to the item it belongs to: the photo shown (`primary`), a Live Photo's movie
 * (`motion`), the camera RAW beside a JPEG or HEIC (`raw`), or Apple's edited copy (`edited`).
 */
export type GroupRole = 'primary' | 'motion' | 'raw' | 'edited';

/** Every `GroupRole`, in the order a group lists its members. */
export const GROUP_ROLES: readonly GroupRole[] = ['primary', 'motion', 'raw', 'edited'];

/** A file's place in a group: the group's id (the primary's path) and its role in it. */
export interface GroupMembership {
  group: string;
  role: GroupRole;
}

/**
 * What grouping looks at: a path, the kind its bytes were found to be, and Apple's Live Photo
 * identifier where the file records one (the metadata document's `contentIdentifier`).
 */
export interface GroupInput {
  path: string;
  kind: EntryKind | string;
  contentId?: string | undefined;
}

/** Photos a Live Photo or a RAW+JPEG pair shows; other images only group with their edited copy. */
const SHOWN_KINDS: ReadonlySet<string> = new Set(['heic', 'jpeg']);
const RAW_KINDS: ReadonlySet<string> = new Set(['dng', 'cr2', 'cr3', 'nef', 'arw', 'raf', 'orf', 'rw2']);
const IMAGE_KINDS: ReadonlySet<string> = new Set([
  ...SHOWN_KINDS,
  ...RAW_KINDS,
  'png',
  'avif',
  'tiff',
  'webp',
  'gif',
]);

/** Pixel's RAW+JPEG names: `PXL_x.RAW-01.COVER.jpg` (shown) and `PXL_x.RAW-02.ORIGINAL.dng`. */
const PIXEL_SUFFIX = /\.RAW-\d{2}\.(?:COVER|ORIGINAL)$/i;
/** Apple's edited copy: `IMG_E1234.JPG` beside `IMG_1234.HEIC` (any `PREFIX_E<digits>`). */
const APPLE_EDITED = /^(.+_)E(\d+)$/;

interface Candidate {
  path: string;
  kind: string;
  edited: boolean;
  contentId: string | undefined;
}

/** The folder and the name of `path` without its extension. */
function split(path: string): { folder: string; stem: string } {
  const slash = path.lastIndexOf('/');
  const name = path.slice(slash + 1);
  const dot = name.lastIndexOf('.');
  return { folder: path.slice(0, slash + 1), stem: dot > 0 ? name.slice(0, dot) : name };
}

/**
 * The key that puts a file with its partners (same folder, same base name: the name without its
 * extension, Pixel's `.RAW-0n.COVER/ORIGINAL` tag, or Apple's `E` of an edited copy), and whether the
 * name is an edited copy's. Base names compare exactly: case matters, as it does on most stores.
 */
function groupKey(path: string): { key: string; edited: boolean } {
  const { folder, stem } = split(path);
  const pixel = stem.replace(PIXEL_SUFFIX, '');
  const edited = APPLE_EDITED.exec(pixel);
  return edited
    ? { key: `${folder}${edited[1]}${edited[2]}`, edited: true }
    : { key: `${folder}${pixel}`, edited: false };
}

/** The shown photo's preference: HEIC and JPEG first (a Live Photo's still), then RAW, then others. */
function primaryRank(candidate: Candidate): number {
  if (candidate.edited || !IMAGE_KINDS.has(candidate.kind)) return -1;
  if (SHOWN_KINDS.has(candidate.kind)) return 0;
  return RAW_KINDS.has(candidate.kind) ? 1 : 2;
}

/** The roles within one set of files sharing a key, or nothing when they make no pair. */
function groupOf(members: Candidate[], out: Map<string, GroupMembership>): void {
  let primary: Candidate | undefined;
  for (const member of members) {
    const rank = primaryRank(member);
    // Members come in path order, so among equals the first path wins: the result depends only on the files.
    if (rank >= 0 && (primary === undefined || rank < primaryRank(primary))) primary = member;
  }
  if (!primary) return;
  const shown = SHOWN_KINDS.has(primary.kind);
  const attached: [Candidate, GroupRole][] = [];
  let motion = false;
  for (const member of members) {
    if (member === primary) continue;
    if (member.edited) {
      if (IMAGE_KINDS.has(member.kind) || member.kind === 'video') attached.push([member, 'edited']);
    } else if (member.kind === 'video' && shown && !motion) {
      // One movie per Live Photo; a second movie of the same name is a file of its own.
      motion = true;
      attached.push([member, 'motion']);
    } else if (RAW_KINDS.has(member.kind) && shown) attached.push([member, 'raw']);
  }
  if (attached.length === 0) return;
  out.set(primary.path, { group: primary.path, role: 'primary' });
  for (const [member, role] of attached) out.set(member.path, { group: primary.path, role });
}

const byPath = (a: { path: string }, b: { path: string }) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);

/**
 * Live Photos found by Apple's identifier rather than by name (`IMG_1234.HEIC` with `IMG_1234_3.MOV`,
 * or both renamed): in each folder, a shown photo without a movie and a movie in no group that record
 * the same identifier are paired, the first photo with the first movie by path, and so on (copies of
 * one Live Photo in one folder share the identifier). The photo's group gains the movie, or the two
 * make a new one.
 */
function pairByIdentifier(candidates: Candidate[], out: Map<string, GroupMembership>): void {
  const withMotion = new Set<string>();
  for (const membership of out.values()) if (membership.role === 'motion') withMotion.add(membership.group);
  const byIdentifier = new Map<string, { photos: Candidate[]; movies: Candidate[] }>();
  for (const candidate of candidates) {
    if (candidate.contentId === undefined || candidate.edited) continue;
    const membership = out.get(candidate.path);
    const photo =
      SHOWN_KINDS.has(candidate.kind) &&
      (membership === undefined || (membership.role === 'primary' && !withMotion.has(membership.group)));
    const movie = candidate.kind === 'video' && membership === undefined;
    if (!photo && !movie) continue;
    // A group never spans folders: the identifier counts within the folder only.
    const key = `${split(candidate.path).folder}\n${candidate.contentId}`;
    const pair = byIdentifier.get(key) ?? { photos: [], movies: [] };
    byIdentifier.set(key, pair);
    (photo ? pair.photos : pair.movies).push(candidate);
  }
  for (const { photos, movies } of byIdentifier.values()) {
    photos.sort(byPath);
    movies.sort(byPath);
    for (let i = 0; i < Math.min(photos.length, movies.length); i++) {
      const group = out.get(photos[i]!.path)?.group ?? photos[i]!.path;
      out.set(photos[i]!.path, { group, role: 'primary' });
      out.set(movies[i]!.path, { group, role: 'motion' });
    }
  }
}

/**
 * The groups among `entries`: Live Photos (a HEIC or JPEG and a movie of the same base name in the
 * same folder, or of the same Apple identifier, see pairByIdentifier), RAW+JPEG pairs (a RAW and a
 * JPEG or HEIC, Pixel's `.RAW-01.COVER`/`.RAW-02.ORIGINAL` names included), and Apple's edited copies
 * (`IMG_E1234.JPG` beside `IMG_1234.HEIC`). Each group's id is its primary's path. Files in no group
 * are absent from the map. A pure function of the paths, kinds and identifiers, whatever their order,
 * so equal catalogs get equal groups.
 */
export function computeGroups(entries: Iterable<GroupInput>): Map<string, GroupMembership> {
  const byKey = new Map<string, Candidate[]>();
  const identified: Candidate[] = [];
  for (const { path, kind, contentId } of entries) {
    const { key, edited } = groupKey(path);
    const list = byKey.get(key);
    const candidate = { path, kind, edited, contentId };
    if (list) list.push(candidate);
    else byKey.set(key, [candidate]);
    if (contentId !== undefined) identified.push(candidate);
  }
  const out = new Map<string, GroupMembership>();
  for (const members of byKey.values()) {
    if (members.length < 2) continue;
    members.sort(byPath);
    groupOf(members, out);
  }
  if (identified.length > 1) pairByIdentifier(identified, out);
  return out;
}

/** The folder of a relative path, `''` for the root: the unit in which groups are made. */
export function folderOf(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash < 0 ? '' : path.slice(0, slash);
}
