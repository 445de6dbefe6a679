import { readFile } from 'node:fs/promises';
import { networkInterfaces } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli, startCli } from '../cli/run-cli.js';
import { FIXTURES, tempDir, writeTree } from '../support/fs.js';
import { servedUrl } from './served-url.js';

const running: ReturnType<typeof startCli>[] = [];
afterEach(() => {
  for (const cli of running.splice(0)) cli.child.kill('SIGKILL');
});

describe('photolala serve', () => {
  it('prints its URL, serves the catalog, and saves on Ctrl-C', async () => {
    const root = await tempDir('serve');
    const cache = await tempDir('serve-cache');
    await writeTree(root, { 'a.jpg': await readFile(path.join(FIXTURES, 'Canon_40D.jpg')) });
    const env = { PHOTOLALA_CACHE_DIR: cache };
    expect((await runCli(['scan', root], env)).code).toBe(0);
    const cli = startCli(['serve', root, '--port', '0'], env);
    running.push(cli);
    const url = new URL(await servedUrl(cli));
    const roots = (await (await fetch(new URL('/api/roots', url))).json()) as { roots: { photos: number }[] };
    expect(roots.roots.map((r) => r.photos)).toEqual([1]);
    // The page carries its script and the roots inline: no round trips before it asks for photos.
    const page = await (await fetch(url)).text();
    const script = await (await fetch(new URL('/assets/app.js', url))).text();
    expect(page).toContain(script.slice(0, 500));
    // The folder menu reads "All folders" before its folders come (a blank, narrow menu before).
    expect(page).toContain(
      '<select id="folder" aria-label="Folder"><option value="">All folders</option></select>',
    );
    const inline = /<script type="application\/json" id="roots-data">(.*?)<\/script>/.exec(page)?.[1];
    expect(JSON.parse(inline ?? 'null')).toEqual([{ index: 0, uri: `file://${root}`, offline: null }]);
    cli.child.kill('SIGINT');
    expect((await cli.done).code).toBe(130);
  });

  it('serves a root given twice (spelled differently) once, and says so', async () => {
    const root = await tempDir('serve-twice');
    const cache = await tempDir('serve-twice-cache');
    await writeTree(root, { 'a.jpg': await readFile(path.join(FIXTURES, 'Canon_40D.jpg')) });
    const env = { PHOTOLALA_CACHE_DIR: cache };
    expect((await runCli(['scan', root], env)).code).toBe(0);
    const cli = startCli(
      ['serve', root, `${path.dirname(root)}/./${path.basename(root)}/`, '--port', '0'],
      env,
    );
    running.push(cli);
    const url = new URL(await servedUrl(cli));
    const roots = (await (await fetch(new URL('/api/roots', url))).json()) as { roots: { uri: string }[] };
    expect(roots.roots.map((r) => r.uri)).toEqual([`file://${root}`]);
    const view = (await (await fetch(new URL('/api/view', url))).json()) as { total: number };
    expect(view.total).toBe(1);
    cli.child.kill('SIGINT');
    const done = await cli.done;
    expect(done.stderr).toContain('given already: serving it once');
  });

  it('refuses a root with no catalog unless --scan, and --host 0.0.0.0 without --token', async () => {
    const root = await tempDir('serve-empty');
    const env = { PHOTOLALA_CACHE_DIR: await tempDir('serve-empty-cache') };
    const none = await runCli(['serve', root, '--port', '0'], env);
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/no catalog yet/);
    // The gallery can make one itself.
    expect(none.stderr).toMatch(/serve it with --scan/);
    const open = await runCli(['serve', root, '--port', '0', '--host', '0.0.0.0'], env);
    expect(open.code).toBe(2);
    expect(open.stderr).toMatch(/--token/);
  });

  it('on every interface, prints addresses other machines can use, and warns of a short token', async () => {
    const root = await tempDir('serve-wide');
    const cache = await tempDir('serve-wide-cache');
    await writeTree(root, { 'a.jpg': await readFile(path.join(FIXTURES, 'Canon_40D.jpg')) });
    const env = { PHOTOLALA_CACHE_DIR: cache };
    expect((await runCli(['scan', root], env)).code).toBe(0);
    const cli = startCli(['serve', root, '--port', '0', '--host', '0.0.0.0', '--token', 'abc'], env);
    running.push(cli);
    const printed = async (): Promise<string> => {
      for (;;) {
        const line = /^http:\/\/\S+/m.exec(cli.output.stdout)?.[0];
        if (line) return line;
        if (cli.child.exitCode !== null) throw new Error(`serve exited: ${cli.output.stderr}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    };
    const url = new URL(await printed());
    // Not the wildcard, which reaches nothing from elsewhere: an address of this machine's.
    expect(url.hostname).not.toBe('0.0.0.0');
    const own = Object.values(networkInterfaces())
      .flat()
      .filter((a) => a && !a.internal && a.family === 'IPv4')
      .map((a) => a!.address);
    expect(own.length > 0 ? own : ['127.0.0.1']).toContain(url.hostname);
    expect(url.searchParams.get('token')).toBe('abc');
    // Off loopback every request carries the token.
    const answer = await fetch(new URL('/api/roots?token=abc', url));
    const roots = (await answer.json()) as { roots: { photos: number }[] };
    expect(roots.roots.map((r) => r.photos)).toEqual([1]);
    cli.child.kill('SIGINT');
    const done = await cli.done;
    expect(done.stderr).toMatch(/--token is 3 characters long/);
  });

  it('prints a URL that carries a token with URL characters (& # + %) as it was given, on every interface', async () => {
    const root = await tempDir('serve-token-chars');
    const cache = await tempDir('serve-token-chars-cache');
    await writeTree(root, { 'a.jpg': await readFile(path.join(FIXTURES, 'Canon_40D.jpg')) });
    const env = { PHOTOLALA_CACHE_DIR: cache };
    expect((await runCli(['scan', root], env)).code).toBe(0);
    const token = 'a&b=c#d+e%f/g h-0123456789';
    const cli = startCli(['serve', root, '--port', '0', '--host', '0.0.0.0', '--token', token], env);
    running.push(cli);
    for (;;) {
      if (/^http:\/\/\S+/m.test(cli.output.stdout)) break;
      if (cli.child.exitCode !== null) throw new Error(`serve exited: ${cli.output.stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const url = new URL(/^http:\/\/\S+/m.exec(cli.output.stdout)![0]);
    expect(url.searchParams.get('token')).toBe(token);
    expect(url.hash).toBe('');
    // The printed URL itself opens the gallery: the page is refused without the right token.
    expect((await fetch(url)).status).toBe(200);
    cli.child.kill('SIGINT');
    await cli.done;
  });
});
