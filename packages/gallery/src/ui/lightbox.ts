import { elements, getJson, token } from './dom.js';
import { focusPhoto, loadPage, markRowStar, rowAt, view } from './grid.js';
import { describePhoto, type PhotoDetail } from './metadata.js';

const { lightbox, preview, video, members, info, star: starButton, status } = elements;

/** The index (in the view) of the photo the lightbox shows, if it is open. */
export let open: number | undefined;

/**
 * A modal dialog, named by the file it shows: the focus goes into it and stays there (the page
 * behind is inert) until it closes, and then returns to the photo's tile.
 */
lightbox.setAttribute('role', 'dialog');
lightbox.setAttribute('aria-modal', 'true');
lightbox.tabIndex = -1;
const title = document.createElement('h2');
title.id = 'lightbox-title';
lightbox.setAttribute('aria-labelledby', title.id);
starButton.parentElement?.after(title);
for (const [id, label] of [
  ['prev', 'Previous photo'],
  ['next', 'Next photo'],
  ['close', 'Close'],
] as const)
  document.getElementById(id)?.setAttribute('aria-label', label);

/** The page behind the lightbox, made inert while it is open. */
const behind = () =>
  [...document.body.children].filter(
    (element): element is HTMLElement => element !== lightbox && element instanceof HTMLElement,
  );

/** The elements inside the lightbox that Tab stops at, in order. */
function tabStops(): HTMLElement[] {
  return [
    ...lightbox.querySelectorAll<HTMLElement>('button, a[href], video[controls], [tabindex="0"]'),
  ].filter((element) => element.getClientRects().length > 0 && !element.closest('[hidden]'));
}

/** Tab and Shift+Tab go round the lightbox's controls, never out of it. */
lightbox.addEventListener('keydown', (event) => {
  if (event.key !== 'Tab') return;
  const stops = tabStops();
  const first = stops[0];
  const last = stops[stops.length - 1];
  if (!first || !last) {
    event.preventDefault();
    return;
  }
  const at = document.activeElement;
  if (event.shiftKey && (at === first || at === lightbox || !lightbox.contains(at))) {
    event.preventDefault();
    last.focus();
  } else if (!event.shiftKey && (at === last || !lightbox.contains(at))) {
    event.preventDefault();
    first.focus();
  }
});

/** Kinds the browser shows as they are; the rest (HEIC, RAW, TIFF) are rendered to a JPEG on demand. */
const AS_IS = /\.(jpe?g|png|webp)$/i;

/** Says a preview is on its way, until it shows or fails. */
const loading = document.createElement('p');
loading.id = 'loading';
loading.setAttribute('role', 'status');
loading.hidden = true;
preview.parentElement?.append(loading);

function showLoading(name: string | undefined) {
  loading.hidden = name === undefined;
  if (name === undefined) lightbox.removeAttribute('aria-busy');
  else {
    loading.textContent = AS_IS.test(name) ? `Loading ${name}…` : `Rendering a preview of ${name}…`;
    lightbox.setAttribute('aria-busy', 'true');
  }
}
preview.addEventListener('load', () => {
  if (open !== undefined) showLoading(undefined);
});

/** Why the photo cannot be shown (its original changed or went since the scan), in its place. */
const problem = document.createElement('p');
problem.id = 'problem';
problem.setAttribute('role', 'alert');
problem.hidden = true;
preview.parentElement?.append(problem);

/** Asks the server why `url` failed (it answers `{ error }`) and says so instead of a broken image. */
async function explain(url: string, index: number) {
  const name = rowAt(index)?.[3] ?? 'This photo';
  let reason: string;
  try {
    const response = await fetch(url, { cache: 'no-store' });
    if (response.ok) reason = 'the browser could not show it';
    else {
      const answer = (await response.json().catch(() => ({}))) as { error?: unknown };
      reason = typeof answer.error === 'string' ? answer.error : `the server answered ${response.status}`;
    }
  } catch (error) {
    reason = `the server could not be reached (${String(error)})`;
  }
  if (open !== index) return;
  showLoading(undefined);
  problem.textContent = `${name} cannot be shown: ${reason}`;
  problem.hidden = false;
  preview.hidden = true;
  video.hidden = true;
}
preview.addEventListener('error', () => {
  if (open !== undefined && preview.getAttribute('src')) void explain(preview.src, open);
});
video.addEventListener('error', () => {
  if (open !== undefined && video.getAttribute('src')) void explain(video.src, open);
});

function showFacts(detail: PhotoDetail) {
  info.replaceChildren();
  for (const { field, label, value, href } of describePhoto(detail)) {
    const dt = document.createElement('dt');
    dt.textContent = label;
    const dd = document.createElement('dd');
    dd.dataset.field = field;
    if (href) {
      const a = document.createElement('a');
      a.href = href;
      a.target = '_blank';
      a.rel = 'noopener noreferrer';
      a.textContent = value;
      dd.append(a);
    } else dd.textContent = value;
    info.append(dt, dd);
  }
}

/** A video plays in place of the preview, streamed (HTTP ranges), its thumbnail as its poster. */
function showMedia(detail: PhotoDetail) {
  const isVideo = detail.kind === 'video';
  // A preview that failed before its details came stays hidden beside the reason said for it.
  preview.hidden = isVideo || !problem.hidden;
  video.hidden = !isVideo;
  if (isVideo) {
    video.poster = `/api/roots/${detail.root}/thumbnails/${detail.md5}`;
    video.src = `/api/roots/${detail.root}/videos/${detail.id}`;
  } else stopVideo();
}

function stopVideo() {
  video.pause();
  video.removeAttribute('src');
  video.removeAttribute('poster');
  video.load();
}

/** The files attached to a group's primary (a Live Photo's motion clip, the RAW, an edit). */
function showMembers(detail: PhotoDetail) {
  members.replaceChildren();
  for (const member of detail.members ?? []) {
    const item = document.createElement('li');
    item.dataset.role = member.role;
    const label = document.createElement('span');
    label.textContent = `${member.role}: ${member.name}`;
    item.append(label);
    if (member.kind === 'video') {
      const clip = document.createElement('video');
      clip.controls = true;
      clip.loop = member.role === 'motion';
      clip.muted = member.role === 'motion';
      clip.preload = 'metadata';
      clip.src = `/api/roots/${detail.root}/videos/${member.id}`;
      item.append(clip);
    }
    members.append(item);
  }
  members.hidden = members.childElementCount === 0;
}

export async function show(index: number) {
  if (index < 0 || index >= view.total) return;
  await loadPage(index);
  const row = rowAt(index);
  if (!row) return;
  const opening = open === undefined;
  open = index;
  lightbox.hidden = false;
  title.textContent = row[3];
  if (opening) {
    for (const element of behind()) element.inert = true;
    lightbox.focus();
  }
  lightbox.dataset.index = String(index);
  delete lightbox.dataset.kind;
  problem.hidden = true;
  stopVideo();
  // A video has no preview: its tile's badge says so before its details come.
  const isVideo = row[5] === 'VIDEO';
  if (isVideo) preview.removeAttribute('src');
  else preview.src = `/api/roots/${row[0]}/previews/${row[2]}`;
  showLoading(isVideo || preview.complete ? undefined : row[3]);
  preview.alt = row[3];
  preview.hidden = isVideo;
  video.hidden = true;
  members.replaceChildren();
  markStarButton(row[4] === 1);
  info.replaceChildren();
  const detail = await getJson<PhotoDetail>(`/api/roots/${row[0]}/photos/${row[1]}`);
  if (open !== index) return;
  lightbox.dataset.kind = detail.kind ?? '';
  if (detail.kind === 'video') {
    preview.removeAttribute('src');
    showLoading(undefined);
  }
  showMedia(detail);
  showMembers(detail);
  showFacts(detail);
  lightbox.dataset.loaded = String(index);
}

export function closeLightbox() {
  const index = open;
  open = undefined;
  lightbox.hidden = true;
  for (const element of behind()) element.inert = false;
  preview.removeAttribute('src');
  showLoading(undefined);
  stopVideo();
  members.replaceChildren();
  // Back to the tile of the photo last shown, scrolled into view if the arrows went past the screen.
  if (index !== undefined) focusPhoto(index);
}

function markStarButton(starred: boolean) {
  starButton.classList.toggle('on', starred);
  starButton.textContent = starred ? '★' : '☆';
  starButton.setAttribute('aria-label', 'Starred');
  starButton.setAttribute('aria-pressed', String(starred));
}

export async function toggleStar(index: number) {
  const row = rowAt(index);
  if (!row) return;
  const starred = row[4] !== 1;
  const response = await fetch(`/api/roots/${row[0]}/photos/${row[1]}/star`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-Photolala-Token': token },
    body: JSON.stringify({ starred }),
  });
  if (!response.ok) {
    status.textContent = `could not ${starred ? 'star' : 'unstar'} ${row[3]}: ${(await response.json()).error}`;
    return;
  }
  markStar(row[0], row[1], starred);
}

/** A photo was starred or unstarred (here, or by another window): its tile and the lightbox show it. */
export function markStar(root: number, id: number, starred: boolean) {
  markRowStar(root, id, starred);
  const row = open !== undefined ? rowAt(open) : undefined;
  if (row && row[0] === root && row[1] === id) markStarButton(starred);
}
