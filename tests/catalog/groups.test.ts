import { computeGroups } from '@photolala/core/internals';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';

const groupsOf = (files: [string, string][]) =>
  Object.fromEntries(
    [...computeGroups(files.map(([path, kind]) => ({ path, kind })))].map(([path, m]) => [
      path,
      `${m.role} of ${m.group}`,
    ]),
  );

describe('groups: Live Photos, RAW+JPEG pairs and edited copies', () => {
  test('each pattern makes one group whose id is the shown photo', () => {
    expect(
      groupsOf([
        ['live/IMG_0001.HEIC', 'heic'],
        ['live/IMG_0001.MOV', 'video'],
        ['raw/DSC_0002.JPG', 'jpeg'],
        ['raw/DSC_0002.NEF', 'nef'],
        ['pixel/PXL_20231010_101010123.RAW-01.COVER.jpg', 'jpeg'],
        ['pixel/PXL_20231010_101010123.RAW-02.ORIGINAL.dng', 'dng'],
        ['edit/IMG_1234.HEIC', 'heic'],
        ['edit/IMG_E1234.JPG', 'jpeg'],
        ['edit/IMG_1234.MOV', 'video'],
      ]),
    ).toEqual({
      'live/IMG_0001.HEIC': 'primary of live/IMG_0001.HEIC',
      'live/IMG_0001.MOV': 'motion of live/IMG_0001.HEIC',
      'raw/DSC_0002.JPG': 'primary of raw/DSC_0002.JPG',
      'raw/DSC_0002.NEF': 'raw of raw/DSC_0002.JPG',
      'pixel/PXL_20231010_101010123.RAW-01.COVER.jpg':
        'primary of pixel/PXL_20231010_101010123.RAW-01.COVER.jpg',
      'pixel/PXL_20231010_101010123.RAW-02.ORIGINAL.dng':
        'raw of pixel/PXL_20231010_101010123.RAW-01.COVER.jpg',
      'edit/IMG_1234.HEIC': 'primary of edit/IMG_1234.HEIC',
      'edit/IMG_E1234.JPG': 'edited of edit/IMG_1234.HEIC',
      'edit/IMG_1234.MOV': 'motion of edit/IMG_1234.HEIC',
    });
  });

  test('no pair across folders, none by kind alone, none without a photo to show', () => {
    expect(
      groupsOf([
        ['a/IMG_1.HEIC', 'heic'],
        ['b/IMG_1.MOV', 'video'],
        // A movie beside a PNG is no Live Photo, and a RAW beside a movie is no pair.
        ['c/shot.png', 'png'],
        ['c/shot.mov', 'video'],
        ['d/IMG_2.CR2', 'cr2'],
        ['d/IMG_2.MOV', 'video'],
        // An edited copy with no original beside it, and a text file of the same name.
        ['e/IMG_E5.JPG', 'jpeg'],
        ['f/IMG_6.JPG', 'jpeg'],
        ['f/IMG_6.txt', 'other'],
        // Base names compare exactly.
        ['g/IMG_7.HEIC', 'heic'],
        ['g/img_7.MOV', 'video'],
      ]),
    ).toEqual({});
  });

  test('a RAW with only its edited JPEG is shown by the RAW; two movies of one name attach one', () => {
    expect(
      groupsOf([
        ['a/IMG_1.DNG', 'dng'],
        ['a/IMG_E1.JPG', 'jpeg'],
        ['b/IMG_2.HEIC', 'heic'],
        ['b/IMG_2.MOV', 'video'],
        ['b/IMG_2.mp4', 'video'],
      ]),
    ).toEqual({
      'a/IMG_1.DNG': 'primary of a/IMG_1.DNG',
      'a/IMG_E1.JPG': 'edited of a/IMG_1.DNG',
      'b/IMG_2.HEIC': 'primary of b/IMG_2.HEIC',
      'b/IMG_2.MOV': 'motion of b/IMG_2.HEIC',
    });
  });

  const names = fc.constantFrom(
    'IMG_1',
    'IMG_E1',
    'IMG_2',
    'PXL_3.RAW-01.COVER',
    'PXL_3.RAW-02.ORIGINAL',
    'x',
  );
  const extensions = fc.constantFrom(
    ['HEIC', 'heic'],
    ['JPG', 'jpeg'],
    ['MOV', 'video'],
    ['DNG', 'dng'],
    ['txt', 'other'],
  );
  // Apple's Live Photo identifier, on some files of every kind: pairs across names, never folders.
  const identifiers = fc.option(fc.constantFrom('A', 'B'), { nil: undefined });
  const file = fc
    .tuple(fc.constantFrom('', 'a/', 'a/b/'), names, extensions, identifiers)
    .map(([folder, name, [ext, kind], contentId]) => ({ path: `${folder}${name}.${ext}`, kind, contentId }));
  const files = fc.uniqueArray(file, { selector: (f) => f.path, maxLength: 30 });

  test('a photo and a movie of one folder with one Apple identifier pair whatever their names', () => {
    const groups = (files: [string, string, string?][]) =>
      Object.fromEntries(
        [...computeGroups(files.map(([path, kind, contentId]) => ({ path, kind, contentId })))].map(
          ([path, m]) => [path, `${m.role} of ${m.group}`],
        ),
      );
    expect(
      groups([
        // iOS's `_3` movie, and a RAW pair that gains the movie of its JPEG.
        ['IMG_1234.HEIC', 'heic', 'A'],
        ['IMG_1234_3.MOV', 'video', 'A'],
        ['DSC_1.JPG', 'jpeg', 'B'],
        ['DSC_1.DNG', 'dng'],
        ['clip.mov', 'video', 'B'],
        // Two copies of one Live Photo in one folder: each photo takes a movie, first with first.
        ['copy 1.heic', 'heic', 'C'],
        ['copy 1.mov', 'video', 'C'],
        ['copy 2.heic', 'heic', 'C'],
        ['copy 2.mov', 'video', 'C'],
        ['copy 3.mov', 'video', 'C'],
        // A photo whose movie pairs by name keeps it; an edited copy pairs with nothing by identifier.
        ['IMG_5.HEIC', 'heic', 'D'],
        ['IMG_5.MOV', 'video'],
        ['other.mov', 'video', 'D'],
        ['IMG_E6.JPG', 'jpeg', 'E'],
        ['e.mov', 'video', 'E'],
        // Another folder: no pair.
        ['sub/IMG_9.MOV', 'video', 'A'],
      ]),
    ).toEqual({
      'IMG_1234.HEIC': 'primary of IMG_1234.HEIC',
      'IMG_1234_3.MOV': 'motion of IMG_1234.HEIC',
      'DSC_1.JPG': 'primary of DSC_1.JPG',
      'DSC_1.DNG': 'raw of DSC_1.JPG',
      'clip.mov': 'motion of DSC_1.JPG',
      'copy 1.heic': 'primary of copy 1.heic',
      'copy 1.mov': 'motion of copy 1.heic',
      'copy 2.heic': 'primary of copy 2.heic',
      'copy 2.mov': 'motion of copy 2.heic',
      'IMG_5.HEIC': 'primary of IMG_5.HEIC',
      'IMG_5.MOV': 'motion of IMG_5.HEIC',
    });
  });

  test('groups depend only on the files, never on their order', () => {
    fc.assert(
      fc.property(files, fc.integer(), (list, seed) => {
        const shuffled = [...list].sort(
          (a, b) => ((a.path.length * seed) % 7) - ((b.path.length * seed) % 7),
        );
        expect([...computeGroups(shuffled)].sort()).toEqual([...computeGroups(list)].sort());
      }),
    );
  });

  test('every group has one primary, named by its id, and members only of its own folder', () => {
    fc.assert(
      fc.property(files, (list) => {
        const groups = computeGroups(list);
        const byGroup = new Map<string, string[]>();
        for (const [path, { group, role }] of groups) {
          const members = byGroup.get(group) ?? [];
          members.push(`${role}:${path}`);
          byGroup.set(group, members);
          expect(path.slice(0, path.lastIndexOf('/') + 1)).toBe(group.slice(0, group.lastIndexOf('/') + 1));
        }
        for (const [group, members] of byGroup) {
          expect(members.filter((m) => m.startsWith('primary:'))).toEqual([`primary:${group}`]);
          expect(members.length).toBeGreaterThan(1);
          expect(members.filter((m) => m.startsWith('motion:')).length).toBeLessThanOrEqual(1);
        }
        // Only files of the list are grouped, and files of no media kind never are.
        const kinds = new Map(list.map((f) => [f.path, f.kind]));
        for (const path of groups.keys()) expect(['heic', 'jpeg', 'video', 'dng']).toContain(kinds.get(path));
      }),
    );
  });
});
