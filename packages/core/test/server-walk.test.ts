import { describe, expect, test } from 'vitest';
import { catalogFilter } from '../src/source/enumerate-filter.js';
import { PhotolalaError } from '../src/source/errors.js';
import type { EnumerateIssue } from '../src/source/root-source.js';
import { ServerSpellings } from '../src/source/server-spellings.js';
import { type ServerFolderItem, walkServerFolders } from '../src/source/server-walk.js';

const file = (name: string, size = 1): ServerFolderItem => ({ name, directory: false, size, mtimeMs: 1000 });
const folder = (name: string): ServerFolderItem => ({ name, directory: true, size: 0, mtimeMs: 0 });

/** A server's folders by their server paths; a folder holding an Error fails to list. */
function server(tree: Record<string, ServerFolderItem[] | Error>) {
  const listed: string[] = [];
  const spellings = new ServerSpellings(async () => []);
  const lister = {
    async list(serverFolder: string) {
      listed.push(serverFolder);
      const items = tree[serverFolder];
      if (items === undefined) throw new Error(`no folder ${serverFolder}`);
      if (items instanceof Error) throw items;
      return items;
    },
    listError: (error: unknown, path: string) =>
      new PhotolalaError('IO', `cannot list ${path}: ${(error as Error).message}`, { backend: 'test', path }),
    isFatal: (error: unknown) => (error as Error).message === 'connection lost',
    spellings,
  };
  return { lister, listed, spellings };
}

async function walk(lister: Parameters<typeof walkServerFolders>[0], issues: EnumerateIssue[] = []) {
  const out = [];
  for await (const entry of walkServerFolders(lister, {
    filter: catalogFilter,
    onIssue: (i) => issues.push(i),
  }))
    out.push(entry);
  return out;
}

describe('walkServerFolders', () => {
  test('yields files by NFC path and remembers how the server spells them', async () => {
    const nfdFolder = 'Cafe\u0301';
    const nfdFile = 'e\u0301te\u0301.jpg';
    const { lister, spellings } = server({
      '': [file('a.jpg', 10), folder(nfdFolder), { ...file('hidden-by-server.jpg'), hidden: true }],
      [nfdFolder]: [file(nfdFile, 20), file('.photolala-tmp-x'), file('.DS_Store'), folder('@eaDir')],
    });
    const entries = await walk(lister);
    expect(entries).toEqual([
      { path: 'a.jpg', size: 10, mtimeMs: 1000 },
      { path: 'Café/été.jpg', size: 20, mtimeMs: 1000 },
    ]);
    expect(await spellings.resolve('Café/été.jpg')).toBe(`${nfdFolder}/${nfdFile}`);
  });

  test('a folder that cannot be listed is reported and skipped; the root or a fatal failure ends the walk', async () => {
    const issues: EnumerateIssue[] = [];
    const { lister } = server({
      '': [folder('locked'), folder('open')],
      locked: new Error('access denied'),
      open: [file('b.jpg')],
    });
    expect((await walk(lister, issues)).map((e) => e.path)).toEqual(['open/b.jpg']);
    expect(issues.map((i) => [i.path, i.error.message])).toEqual([
      ['locked', '[photolala] [test] cannot list locked: access denied'],
    ]);

    await expect(walk(server({ '': new Error('refused') }).lister)).rejects.toThrow('cannot list /: refused');
    const dropped = server({
      '': [folder('a'), folder('b')],
      a: new Error('connection lost'),
      b: [file('c.jpg')],
    });
    await expect(walk(dropped.lister)).rejects.toThrow('cannot list a: connection lost');
  });

  test('lists the folders next in line at once, up to its concurrency, and yields as a walk of one folder at a time', async () => {
    // A tree three levels deep, folders wide and narrow, a folder that fails, and a hidden one.
    const tree: Record<string, ServerFolderItem[] | Error> = { '': [file('top.jpg')] };
    for (let a = 0; a < 6; a++) {
      (tree[''] as ServerFolderItem[]).push(folder(`a${a}`));
      tree[`a${a}`] = [file(`${a}.jpg`), folder('b'), folder('c')];
      tree[`a${a}/b`] = a === 2 ? new Error('access denied') : [file('x.jpg'), folder('d')];
      tree[`a${a}/b/d`] = [file('deep.jpg')];
      tree[`a${a}/c`] = [file('y.jpg'), { ...folder('hidden'), hidden: true }];
    }
    const run = async (concurrency: number) => {
      const { lister } = server(tree);
      let inFlight = 0;
      let most = 0;
      const slow = {
        ...lister,
        concurrency,
        async list(serverFolder: string) {
          inFlight++;
          most = Math.max(most, inFlight);
          await new Promise((resolve) => setTimeout(resolve, 2 + (serverFolder.length % 3)));
          inFlight--;
          return lister.list(serverFolder);
        },
      };
      const issues: EnumerateIssue[] = [];
      const paths = (await walk(slow, issues)).map((e) => e.path);
      return { paths, issues: issues.map((i) => i.path), most };
    };
    const one = await run(1);
    expect(one.most).toBe(1);
    expect(one.paths).toHaveLength(1 + 6 * 2 + 5 * 2);
    expect(one.issues).toEqual(['a2/b']);
    for (const concurrency of [2, 4, 8]) {
      const many = await run(concurrency);
      expect(many.paths).toEqual(one.paths);
      expect(many.issues).toEqual(one.issues);
      expect(many.most).toBeGreaterThan(1);
      expect(many.most).toBeLessThanOrEqual(concurrency);
    }
  });
});
