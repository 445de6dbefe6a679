import { describe, expect, test } from 'vitest';
import { canonicalRootUri, parseRootUri, ROOT_URI_ERROR_BACKEND, redactRootUri } from '../src/index.js';

describe('parseRootUri', () => {
  test('local paths and file URIs share one canonical form', () => {
    expect(canonicalRootUri('/photos/2024/')).toBe('file:///photos/2024');
    expect(canonicalRootUri('file:///photos/2024')).toBe('file:///photos/2024');
    expect(canonicalRootUri('2024', '/photos')).toBe('file:///photos/2024');
    expect(canonicalRootUri('/photos/My Trip')).toBe('file:///photos/My%20Trip');
    // NFD and NFC spellings of a folder are the same root.
    expect(canonicalRootUri('/photos/Cafe\u0301')).toBe(canonicalRootUri('/photos/Caf\u00e9'));
  });

  test('a .photoslibrary path is an Apple Photos root', () => {
    const loc = parseRootUri('/Users/me/Pictures/Photos Library.photoslibrary/');
    expect(loc.scheme).toBe('apple-photos');
    expect(loc.uri).toBe('file:///Users/me/Pictures/Photos%20Library.photoslibrary');
  });

  test('s3 roots', () => {
    expect(parseRootUri('s3://my-bucket/some/prefix/')).toEqual({
      scheme: 's3',
      uri: 's3://my-bucket/some/prefix',
      bucket: 'my-bucket',
      prefix: 'some/prefix',
    });
    expect(canonicalRootUri('s3://my-bucket')).toBe('s3://my-bucket');
    expect(() => parseRootUri('s3://Bad_Bucket/x')).toThrow(/bad bucket name/);
    // URL parsing would resolve dot segments itself, naming another prefix: they are refused, and an
    // encoded separator must not smuggle one through.
    expect(() => parseRootUri('s3://bucket/a/%2e%2e/b')).toThrow(/"\.\." segment/);
    expect(() => parseRootUri('s3://bucket/a/..%2Fb')).toThrow(/encoded separator/);
  });

  test('smb roots drop credentials and the default port from the canonical URI', () => {
    const loc = parseRootUri('smb://WORK;alice:s3cret@NAS.local:445/Photos/2024');
    expect(loc).toMatchObject({
      scheme: 'smb',
      uri: 'smb://nas.local/Photos/2024',
      host: 'nas.local',
      share: 'Photos',
      path: '2024',
      username: 'alice',
      password: 's3cret',
      domain: 'WORK',
    });
    expect(canonicalRootUri('smb://127.0.0.1:4450/photos')).toBe('smb://127.0.0.1:4450/photos');
    expect(() => parseRootUri('smb://host')).toThrow(/no share/);
  });

  test('webdav roots', () => {
    expect(parseRootUri('webdavs://bob:pw@cloud.example.com/remote.php/dav/files/bob/Photos/')).toMatchObject(
      {
        scheme: 'webdavs',
        uri: 'webdavs://cloud.example.com/remote.php/dav/files/bob/Photos',
        url: 'https://cloud.example.com/remote.php/dav/files/bob/Photos/',
        username: 'bob',
        password: 'pw',
      },
    );
    expect(canonicalRootUri('webdav://127.0.0.1:8080/')).toBe('webdav://127.0.0.1:8080');
  });

  test('bad input names the root and the reason', () => {
    expect(() => parseRootUri('')).toThrow(/empty/);
    expect(() => parseRootUri('file://remotehost/x')).toThrow(/local path/);
    expect(parseRootUri('myproto://user:pw@host/x/')).toMatchObject({
      scheme: 'other',
      protocol: 'myproto',
      uri: 'myproto://host/x',
    });
  });
});

describe('root URIs in messages', () => {
  test('redactRootUri hides the password, also of text that is no valid URL', () => {
    expect(redactRootUri('webdav://alice:Secret@host:5080/p')).toBe('webdav://alice:***@host:5080/p');
    expect(redactRootUri('smb://WORK;alice:p%40w@host/share')).toBe('smb://WORK;alice:***@host/share');
    expect(redactRootUri('webdav://alice:pa/ss@host/p')).toBe('webdav://***@host/p');
    expect(redactRootUri('webdav://alice@host/p')).toBe('webdav://alice@host/p');
    // An @ in the path of a valid URL is no password.
    expect(redactRootUri('webdav://host:8080/@eaDir')).toBe('webdav://host:8080/@eaDir');
    expect(redactRootUri('/local/a:b@c')).toBe('/local/a:b@c');
  });

  test('a parse error names the root without its password', () => {
    for (const root of [
      'smb://alice:pw@host/',
      'webdav://alice:Secret@h:99999/x',
      'webdav://a:Secret@h/x%2Fy',
    ]) {
      let message = '';
      try {
        parseRootUri(root);
      } catch (error) {
        message = (error as Error).message;
        expect(error).toMatchObject({ code: 'INVALID_ARGUMENT', backend: ROOT_URI_ERROR_BACKEND });
      }
      expect(message).toMatch(/invalid root/);
      expect(message).not.toMatch(/Secret|:pw@/);
    }
  });

  test('dot segments in a URI root are refused, encoded or not', () => {
    for (const root of [
      's3://bucket/a/../x',
      's3://bucket/a/%2E%2e/b',
      'smb://h/share/../x',
      'webdav://h/./x',
    ])
      expect(() => parseRootUri(root)).toThrow(/segment/);
  });
});
