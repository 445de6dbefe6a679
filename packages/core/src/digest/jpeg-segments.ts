/** One marker segment of a JPEG's header: its marker byte and where its payload lies. */
export interface JpegSegment {
  marker: number;
  /** Offset of the payload, after the marker and the two length bytes. */
  start: number;
  /** Offset just past the payload, never beyond the data. */
  end: number;
}

/**
 * The marker segments of a JPEG up to its start-of-scan, in order. Stops quietly at the first byte
 * that does not continue a well-formed run of segments: a header is untrusted input.
 */
export function* jpegSegments(data: Uint8Array): Generator<JpegSegment> {
  if (data[0] !== 0xff || data[1] !== 0xd8) return;
  let position = 2;
  while (position + 4 <= data.length) {
    if (data[position] !== 0xff) return;
    const marker = data[position + 1]!;
    // Fill bytes: any number of 0xFF may precede a marker.
    if (marker === 0xff) {
      position++;
      continue;
    }
    // Markers without a length: TEM and the restart markers.
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      position += 2;
      continue;
    }
    const length = (data[position + 2]! << 8) | data[position + 3]!;
    yield { marker, start: position + 4, end: Math.min(position + 2 + length, data.length) };
    if (marker === 0xda) return;
    position += 2 + length;
  }
}
