import { METADATA_VERSION, type MetadataDocument } from '../src/digest/metadata.js';

/**
 * A JPEG's metadata document without EXIF, with `fields` over it. Keys keep the order the digest
 * writes them in (a `perceptualHash` given comes last, as there), since stored text is compared.
 */
export const documentWithoutExif = ({
  photoMd5,
  size,
  ...fields
}: Partial<MetadataDocument> & Pick<MetadataDocument, 'photoMd5' | 'size'>): MetadataDocument => ({
  version: METADATA_VERSION,
  photoMd5,
  kind: 'jpeg',
  mime: 'image/jpeg',
  extension: 'jpg',
  size,
  takenAt: null,
  takenAtSource: null,
  width: 320,
  height: 240,
  storedWidth: 320,
  storedHeight: 240,
  orientation: 1,
  make: null,
  model: null,
  lens: null,
  exposureTime: null,
  fNumber: null,
  iso: null,
  focalLength: null,
  gps: null,
  ...fields,
});
