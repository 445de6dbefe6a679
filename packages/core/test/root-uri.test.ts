import { describe, expect, test } from 'vitest';
import { canonicalRootUri, parseRootUri } from '../src/index.js';

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
    // URL parsing resolves dot segments itself; an encoded separator must not smuggle one through.
    expect(canonicalRootUri('s3://bucket/a/%2e%2e/b')).toBe('s3://bucket/b');
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
