import { describe, expect, test } from 'vitest';
import { readMultistatus } from '../src/multistatus.js';

describe('readMultistatus', () => {
  test('reads DAV: elements by namespace, whatever their prefix, and merges the 2xx propstats', () => {
    const xml = `<?xml version="1.0"?>
      <a:multistatus xmlns:a="DAV:" xmlns:x="urn:other">
        <a:response>
          <a:href>/photos/</a:href>
          <a:propstat><a:prop><a:getcontentlength/><a:getetag/></a:prop><a:status>HTTP/1.1 404 Not Found</a:status></a:propstat>
          <a:propstat><a:prop><a:resourcetype><a:collection/></a:resourcetype><a:getlastmodified>Sun, 06 Dec 2026 21:52:04 GMT</a:getlastmodified></a:prop><a:status>HTTP/1.1 200 OK</a:status></a:propstat>
        </a:response>
        <response xmlns="DAV:">
          <href>/photos/caf%C3%A9%20&amp;%20tea.jpg</href>
          <propstat>
            <prop>
              <resourcetype/>
              <getcontentlength> 2048 </getcontentlength>
              <getetag><![CDATA["abc"]]></getetag>
              <x:getetag>"not-dav"</x:getetag>
              <x:collection/>
            </prop>
            <status>HTTP/1.1 200 OK</status>
          </propstat>
        </response>
        <a:response><a:href>/photos/locked.jpg</a:href><a:propstat><a:prop><a:getetag/></a:prop><a:status>HTTP/1.1 403 Forbidden</a:status></a:propstat></a:response>
        <a:response><a:href>/photos/gone.jpg</a:href><a:status>HTTP/1.1 404 Not Found</a:status></a:response>
      </a:multistatus>`;
    expect(readMultistatus(xml)).toEqual([
      {
        href: '/photos/',
        props: { collection: true, getlastmodified: 'Sun, 06 Dec 2026 21:52:04 GMT' },
      },
      {
        href: '/photos/caf%C3%A9%20&%20tea.jpg',
        props: { collection: false, getcontentlength: '2048', getetag: '"abc"' },
      },
      { href: '/photos/locked.jpg' },
      { href: '/photos/gone.jpg' },
    ]);
  });

  test('an empty multistatus is an empty folder; anything else that is not one throws', () => {
    expect(readMultistatus('<d:multistatus xmlns:d="DAV:"/>')).toEqual([]);
    expect(() => readMultistatus('<html><body>Login</body></html>')).toThrow('not a DAV: multistatus');
    // The right local name in the wrong namespace is not a WebDAV answer either.
    expect(() => readMultistatus('<multistatus><response/></multistatus>')).toThrow('not a DAV: multistatus');
    // An answer cut short would list a folder as if its last files were gone.
    expect(() => readMultistatus('<d:multistatus xmlns:d="DAV:"><d:response>')).toThrow('not well-formed');
    expect(() =>
      readMultistatus('<d:multistatus xmlns:d="DAV:"><d:href>a</d:response></d:multistatus>'),
    ).toThrow();
  });

  test('entities of a DTD are not expanded', () => {
    const xml = `<?xml version="1.0"?>
      <!DOCTYPE d:multistatus [<!ENTITY big "xxxxxxxxxxxxxxxxxxxxxxxx"><!ENTITY bigger "&big;&big;&big;&big;">]>
      <d:multistatus xmlns:d="DAV:"><d:response><d:href>/a/&bigger;.jpg</d:href></d:response></d:multistatus>`;
    expect(() => readMultistatus(xml)).toThrow();
  });
});
