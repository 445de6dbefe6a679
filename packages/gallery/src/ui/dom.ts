import { thousands } from './numbers.js';

/** The page's elements (see page.ts), the run's token, and how the UI asks the API. */

export const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

export const elements = {
  grid: $<HTMLDivElement>('grid'),
  sizer: $<HTMLDivElement>('sizer'),
  scrubber: $<HTMLElement>('scrubber'),
  status: $<HTMLSpanElement>('status'),
  roots: $<HTMLSelectElement>('roots'),
  folder: $<HTMLSelectElement>('folder'),
  search: $<HTMLInputElement>('search'),
  starred: $<HTMLInputElement>('starred'),
  lightbox: $<HTMLDivElement>('lightbox'),
  preview: $<HTMLImageElement>('preview'),
  video: $<HTMLVideoElement>('video'),
  members: $<HTMLUListElement>('members'),
  info: $<HTMLDListElement>('info'),
  star: $<HTMLButtonElement>('star'),
};

/** `1 photo`, `2,345 photos`. */
export const photoCount = (n: number) => `${thousands(n)} photo${n === 1 ? '' : 's'}`;

/** The token of this run, from the URL `serve` printed: every write carries it. */
export const token = new URLSearchParams(location.search).get('token') ?? '';

export async function getJson<T>(url: string): Promise<T> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

/** The query of the view the header's controls choose. */
export function viewParams(): string {
  const params = new URLSearchParams();
  if (elements.roots.value !== '') params.set('roots', elements.roots.value);
  if (elements.folder.value !== '') params.set('folder', elements.folder.value);
  if (elements.search.value.trim() !== '') params.set('q', elements.search.value.trim());
  if (elements.starred.checked) params.set('starred', '1');
  return params.toString();
}
