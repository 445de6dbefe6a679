/** What `/api/roots/:root/photos/:id` answers. */
export interface PhotoDetail {
  root: number;
  id: number;
  md5: string | null;
  rootUri: string;
  path: string;
  size: number | null;
  /** The file's modification time: what a photo with no capture date is dated by. */
  mtimeMs?: number | null;
  kind: string | null;
  /** Files attached to this group's primary, if it is one. */
  members?: { id: number; name: string; role: string; kind: string }[];
  metadata: {
    takenAt: string | null;
    width: number;
    height: number;
    make: string | null;
    model: string | null;
    lens: string | null;
    exposureTime: number | null;
    fNumber: number | null;
    iso: number | null;
    focalLength: number | null;
    gps: { latitude: number; longitude: number; altitude: number | null } | null;
  } | null;
}

export interface Fact {
  field: string;
  label: string;
  value: string;
  href?: string;
}

/** `2008-05-30T15:56:01+02:00` as `2008-05-30 15:56:01 (UTC+02:00)`; a date without a zone says so. */
export function describeDate(takenAt: string): string {
  const match = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})(?:\.\d+)?(Z|[+-]\d{2}:\d{2})?$/.exec(takenAt);
  if (!match) return takenAt;
  const [, day, time, zone] = match;
  const where =
    zone === undefined ? "camera's clock, no time zone recorded" : zone === 'Z' ? 'UTC' : `UTC${zone}`;
  return `${day} ${time} (${where})`;
}

function describeExposure(m: NonNullable<PhotoDetail['metadata']>): string | undefined {
  const parts: string[] = [];
  if (m.exposureTime)
    parts.push(m.exposureTime >= 1 ? `${m.exposureTime} s` : `1/${Math.round(1 / m.exposureTime)} s`);
  if (m.fNumber) parts.push(`f/${m.fNumber}`);
  if (m.iso) parts.push(`ISO ${m.iso}`);
  if (m.focalLength) parts.push(`${m.focalLength} mm`);
  return parts.length ? parts.join(' · ') : undefined;
}

function describeSize(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MB` : `${Math.round(bytes / 1024)} KB`;
}

/** The metadata panel's lines, in order; a fact the photo lacks is left out. */
export function describePhoto(detail: PhotoDetail): Fact[] {
  const facts: Fact[] = [];
  const m = detail.metadata;
  facts.push({ field: 'name', label: 'Name', value: detail.path.slice(detail.path.lastIndexOf('/') + 1) });
  if (m?.takenAt) facts.push({ field: 'date', label: 'Taken', value: describeDate(m.takenAt) });
  else if (typeof detail.mtimeMs === 'number')
    facts.push({ field: 'date', label: 'File date', value: describeFileDate(detail.mtimeMs) });
  // Most cameras put the make in the model too (`Canon` and `Canon EOS 40D`): said once.
  const make = m?.make?.trim();
  const model = m?.model?.trim();
  const camera =
    make && model?.toLowerCase().startsWith(make.toLowerCase())
      ? model
      : [make, model].filter(Boolean).join(' ');
  if (camera) facts.push({ field: 'camera', label: 'Camera', value: camera });
  if (m?.lens) facts.push({ field: 'lens', label: 'Lens', value: m.lens });
  const exposure = m ? describeExposure(m) : undefined;
  if (exposure) facts.push({ field: 'exposure', label: 'Exposure', value: exposure });
  const dims = m ? `${m.width} × ${m.height}` : '';
  const size = detail.size !== null ? describeSize(detail.size) : '';
  if (dims || size)
    facts.push({ field: 'dimensions', label: 'Dimensions', value: [dims, size].filter(Boolean).join(' · ') });
  if (m?.gps) {
    const { latitude, longitude } = m.gps;
    facts.push({
      field: 'gps',
      label: 'Location',
      value: `${latitude.toFixed(5)}, ${longitude.toFixed(5)}`,
      href: `https://www.openstreetmap.org/?mlat=${latitude}&mlon=${longitude}#map=15/${latitude}/${longitude}`,
    });
  }
  facts.push({ field: 'path', label: 'Path', value: detail.path });
  facts.push({ field: 'root', label: 'Root', value: describeRoot(detail.rootUri) });
  return facts;
}

/** A file's mtime, in UTC as the timeline buckets it, saying it is no capture date. */
function describeFileDate(mtimeMs: number): string {
  const iso = new Date(mtimeMs).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)} (UTC; the file's modification time, no capture date recorded)`;
}

/** A local root as the path it is (`/home/me/My Photos`), any other as its URI, unescaped. */
export function describeRoot(uri: string): string {
  const text = uri.replace(/\/$/, '');
  try {
    return text.startsWith('file://') ? decodeURIComponent(new URL(text).pathname) : decodeURI(text);
  } catch {
    return text;
  }
}
