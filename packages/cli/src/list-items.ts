import type { CatalogEntry, EntryLines, GroupRole } from '@photolala/core';

/** One line of `list`: an entry, and the files of its group folded into it (none with `--all`). */
export interface ListItem {
  entry: CatalogEntry;
  members: CatalogEntry[];
}

/** What `--rating` and `--keyword` ask of a file; undefined when neither was given. */
export type EntryTest = ((entry: CatalogEntry) => boolean) | undefined;

/**
 * The lines of a listing, in path order, made as the listing is read a chunk at a time, so that a
 * long one is printed as it is read rather than held whole. By default a group (a Live Photo, a
 * RAW+JPEG pair, a photo and its edited copy) is one line, its primary's, with the other files folded
 * into it; a member whose primary is not listed (filtered out by `--kind`, say) keeps a line of its
 * own. With `all`, every file has its line. `test` keeps an item when any of its files passes: a group
 * is shown when its RAW carries the rating and its JPEG does not. `grouped` gives (at least) every
 * listed entry that is in a group: a group's files can lie far apart in path order, and its line needs
 * all of them. It is called once, at the first entry in a group, so that a listing without groups
 * does not read them. Chunks of lines that are already made (`EntryLines`, in none of which is an
 * entry in a group) are passed on as they are.
 */
export function* streamItems(
  chunks: Iterable<CatalogEntry[] | EntryLines>,
  grouped: () => CatalogEntry[],
  all: boolean,
  test: EntryTest,
): Generator<ListItem | EntryLines> {
  let members: Map<string, CatalogEntry[]> | undefined;
  for (const chunk of chunks) {
    if (!Array.isArray(chunk)) {
      yield chunk;
      continue;
    }
    for (const entry of chunk) {
      if (entry.group === undefined) {
        if (!test || test(entry)) yield { entry, members: [] };
        continue;
      }
      members ??= all ? new Map<string, CatalogEntry[]>() : foldedMembers(grouped());
      const folded = entry.role !== 'primary' && members.has(entry.group);
      if (folded) continue;
      const item = { entry, members: (entry.role === 'primary' && members.get(entry.path)) || [] };
      if (!test || test(entry) || item.members.some(test)) yield item;
    }
  }
}

/** The files folded into each listed primary, by its path: the members of its group that are listed. */
function foldedMembers(entries: CatalogEntry[]): Map<string, CatalogEntry[]> {
  const members = new Map<string, CatalogEntry[]>();
  const primaries = new Set<string>();
  for (const entry of entries) if (entry.role === 'primary') primaries.add(entry.path);
  for (const entry of entries) {
    if (!entry.group || entry.role === 'primary' || !primaries.has(entry.group)) continue;
    const list = members.get(entry.group);
    if (list) list.push(entry);
    else members.set(entry.group, [entry]);
  }
  return members;
}

/** The test of `--rating` and `--keyword` (a keyword equal to K, ignoring case), when given. */
export function entryTest(rating: number | undefined, keyword: string | undefined): EntryTest {
  if (rating === undefined && keyword === undefined) return undefined;
  const wanted = keyword?.trim().toLowerCase();
  return (entry) =>
    (rating === undefined || (entry.rating !== undefined && entry.rating >= rating)) &&
    (wanted === undefined || (entry.keywords ?? []).some((k) => k.toLowerCase() === wanted));
}

/** How a line names its group: `+ motion IMG_0001.MOV, raw IMG_0001.DNG`, or `motion of IMG_0001.HEIC`. */
export function groupNote(item: ListItem): string {
  const name = (path: string) => path.slice(path.lastIndexOf('/') + 1);
  const { entry, members } = item;
  if (members.length > 0)
    return `+ ${members.map((m) => `${m.role as GroupRole} ${name(m.path)}`).join(', ')}`;
  if (entry.group && entry.role !== 'primary') return `${entry.role} of ${name(entry.group)}`;
  return '';
}
