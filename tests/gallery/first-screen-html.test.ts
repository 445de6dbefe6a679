import { describe, expect, it } from 'vitest';
import { type FirstScreenData, pageHtml } from '../../packages/gallery/src/page.js';

/** The first screen the server draws into the page (page.ts `firstTiles`), read as text. */

const assets = new Map([
  ['app.js', { body: '/* app */' }],
  ['app.css', { body: '/* css */' }],
]);
const roots = [{ index: 0, uri: 'file:///photos', offline: null }];
const md5 = (n: number) => n.toString(16).padStart(32, '0');
const sizer = (html: string) => /<div id="sizer"([^>]*)>([\s\S]*?)<\/div><\/div>\n {2}<nav/.exec(html);

describe('the page drawn with its first screen', () => {
  it('draws the first rows as tiles under their month headers, with the sticky month', () => {
    const first: FirstScreenData = {
      total: 5,
      months: [
        { month: '2024-03', count: 2 },
        { month: '2024-01', count: 3 },
      ],
      rows: [
        [0, 11, md5(1), 'a.jpg', 0],
        [0, 12, md5(2), 'b.mov', 1, 'VIDEO'],
        [0, 13, md5(3), 'c.jpg', 0],
        [0, 14, md5(4), 'd.jpg', 0],
        [0, 15, md5(5), 'e.jpg', 0],
      ],
    };
    const html = pageHtml(roots, assets, first);
    const [, attributes, body] = sizer(html) ?? [];
    expect(attributes).toBe(' class="first"');
    expect(html).toContain('<div id="sticky-month" aria-hidden="true">March 2024</div>');
    const order = [...(body ?? '').matchAll(/data-key="([^"]+)"/g)].map((m) => m[1]);
    expect(order).toEqual(['m2024-03', 't0:11', 't0:12', 'm2024-01', 't0:13', 't0:14', 't0:15']);
    expect(body).toContain(
      `<div class="tile" data-key="t0:11" data-index="0" tabindex="0" role="button" title="a.jpg" aria-label="a.jpg"><img alt="a.jpg" decoding="async" fetchpriority="high" src="/api/roots/0/thumbnails/${md5(1)}"></div>`,
    );
    expect(body).toContain(
      `<div class="tile starred" data-key="t0:12" data-index="1" tabindex="-1" role="button" title="b.mov" aria-label="b.mov"><img alt="b.mov" decoding="async" fetchpriority="high" src="/api/roots/0/thumbnails/${md5(2)}"><span class="badge">VIDEO</span></div>`,
    );
    expect(body).toContain('<div class="month" data-key="m2024-01">January 2024</div>');
  });

  it('escapes every text of the rows, and stops at the first row that is not one', () => {
    const first = {
      total: 4,
      months: [{ month: '2024-03"><script>x()</script>', count: 4 }],
      rows: [
        [0, 1, md5(1), '"><script>alert(1)</script>.jpg', 0, '<b>RAW</b>'],
        [0, 2, '../../../etc/passwd', 'p.jpg', 0],
        [0, 3, md5(3), 'after.jpg', 0],
      ],
    } as FirstScreenData;
    const [, , body] = sizer(pageHtml(roots, assets, first)) ?? [];
    expect(body).not.toContain('<script>');
    expect(body).not.toContain('<b>');
    expect(body).toContain('title="&#34;&#62;&#60;script&#62;alert(1)&#60;/script&#62;.jpg"');
    expect(body).toContain('<span class="badge">&#60;b&#62;RAW&#60;/b&#62;</span>');
    expect(body).not.toContain('passwd');
    expect(body).not.toContain('after.jpg');
    for (const bad of [
      ['0', 3, md5(3), 'x.jpg', 0],
      [0, -1, md5(3), 'x.jpg', 0],
      [0, 3, 'A'.repeat(32), 'x.jpg', 0],
      [0, 3, md5(3), 7, 0],
      [0, 3, md5(3), 'x.jpg', 2],
      [0, 3, md5(3), 'x.jpg', 0, 5],
    ]) {
      const html = pageHtml(roots, assets, {
        total: 1,
        months: [{ month: '2024-01', count: 1 }],
        rows: [bad],
      });
      expect(sizer(html)?.[1]).toBe('');
      expect(sizer(html)?.[2]).toBe('');
      expect(html).not.toContain('id="sticky-month"');
    }
  });

  it('preloads the thumbnails of rows with a root number and a photo-md5, and of no other', () => {
    const html = pageHtml(roots, assets, {
      total: 5,
      months: [{ month: '2024-01', count: 5 }],
      rows: [
        [-1, 1, md5(1), 'a.jpg', 0],
        [1.5, 2, md5(2), 'b.jpg', 0],
        ['0', 3, md5(3), 'c.jpg', 0],
        [0, 4, '../../etc/passwd', 'd.jpg', 0],
        [0, 5, md5(5), 'e.jpg', 0],
      ],
    });
    const preloaded = [...html.matchAll(/<link rel="preload" as="image"[^>]* href="([^"]*)">/g)].map(
      (m) => m[1],
    );
    expect(preloaded).toEqual([`/api/roots/0/thumbnails/${md5(5)}`]);
  });

  it('draws no tiles without a first screen, or with an empty one', () => {
    for (const first of [undefined, { total: 0, months: [], rows: [] }]) {
      const [, attributes, body] = sizer(pageHtml(roots, assets, first)) ?? [];
      expect(attributes).toBe('');
      expect(body).toBe('');
    }
  });
});
