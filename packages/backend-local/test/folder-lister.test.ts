import { rm } from 'node:fs/promises';
import path from 'node:path';
import { catalogFilter } from '@photolala/core/internals';
import { writeTempTree } from '@photolala/core/testing';
import { afterEach, describe, expect, test } from 'vitest';
import { EntryKind, FolderLister } from '../src/folder-lister.js';
import { createLocalSource } from '../src/index.js';
import { ListingWindow } from '../src/listing-window.js';

const roots: string[] = [];
afterEach(async () => {
  for (const root of roots.splice(0)) await rm(root, { recursive: true, force: true });
});

async function tree(folders: number, filesPerFolder: number): Promise<string> {
  const files = [];
  for (let f = 0; f < folders; f++)
    for (let i = 0; i < filesPerFolder; i++) files.push({ path: `d${f}/p${i}.jpg`, data: `${f}/${i}` });
  const root = await writeTempTree(files, 'photolala-local-');
  roots.push(root);
  return root;
}

describe('folder listing shared between the worker and the walking thread', () => {
  test('a request the worker has not started is taken back and never settles; the others are listed', async () => {
    const root = await tree(3, 50);
    // A fresh lister: its worker is still starting when the requests are made and one withdrawn.
    const lister = new FolderLister();
    const [first, second, third] = ['d0', 'd1', 'd2'].map((d) => lister.list(path.join(root, d))!);
    expect(lister.withdraw(third!)).toBe(true);
    expect(lister.withdraw(third!)).toBe(false);
    const [a, b] = await Promise.all([first!.listing, second!.listing]);
    expect(a.names.length).toBe(50);
    expect(b.names.length).toBe(50);
    expect(first!.settled && second!.settled).toBe(true);
    // A settled request cannot be taken back.
    expect(lister.withdraw(first!)).toBe(false);
    const late = await Promise.race([
      third!.listing.then(() => 'settled'),
      new Promise((resolve) => setTimeout(() => resolve('pending'), 200)),
    ]);
    expect(late).toBe('pending');
    await lister.close();
  });

  test('a request slot held by a request the worker has not reached is not reused until it settles', async () => {
    const root = await tree(2, 10);
    const lister = new FolderLister(1);
    // Made back to back: the worker is still starting, so it cannot have claimed the first yet.
    const held = lister.list(path.join(root, 'd0'))!;
    expect(lister.list(path.join(root, 'd1'))).toBeUndefined();
    expect((await held.listing).names.length).toBe(10);
    const next = lister.list(path.join(root, 'd1'));
    expect(next).toBeDefined();
    expect((await next!.listing).names.length).toBe(10);
    await lister.close();
  });

  test('when the lister refuses requests (every slot held), the walk lists the folders itself rather than end early', async () => {
    const root = await tree(30, 100);
    // The real refusal depends on the worker's timing (it refuses only while the worker has not
    // claimed the request holding the slot), so it is made certain here: every request is refused.
    let refused = 0;
    const lister = new (class extends FolderLister {
      override list() {
        refused++;
        return undefined;
      }
    })();
    const window = new ListingWindow(lister);
    window.found({ abs: root, rel: '' });
    window.fill();
    const paths: string[] = [];
    for (let next = window.next(); next; next = window.next()) {
      const listing = await next.listing;
      listing.names.forEach((name, i) => {
        if (listing.kinds[i] === EntryKind.file) paths.push(path.join(next.folder.rel, name));
        else if (listing.kinds[i] === EntryKind.folder)
          window.found({ abs: path.join(next.folder.abs, name), rel: name });
      });
      window.fill();
    }
    // Past the 2,000 entries listed in-thread before the worker is asked; without the fallback in
    // `next`, the walk stops once the refused folders are all that is left.
    expect(refused).toBeGreaterThan(0);
    expect(paths.length).toBe(3000);
    expect(new Set(paths).size).toBe(3000);
    await lister.close();
  });

  test('a walk without heads lists every file exactly once, whichever thread lists each folder', async () => {
    // 60 folders of 100 files: past the 2,000 entries listed in-thread, so the worker takes part.
    const root = await tree(60, 100);
    const source = await createLocalSource({ root, readOnly: true });
    for (let walk = 0; walk < 3; walk++) {
      const paths: string[] = [];
      for await (const entry of source.enumerate({ filter: catalogFilter })) {
        paths.push(entry.path);
        expect(entry.size, entry.path).toBe(
          Buffer.byteLength(entry.path.replace(/^d(\d+)\/p(\d+)\.jpg$/, '$1/$2')),
        );
      }
      expect(paths.length).toBe(6000);
      expect(new Set(paths).size).toBe(6000);
    }
    await source.close?.();
  });
});
