/**
 * How many photos lie under each folder (a photo counts for every folder above it), from the photos'
 * numbers and their paths. Photos of one folder mostly come together (a listing is in path order),
 * so the folder's ancestors are counted once per run of them, not once per photo.
 */
export function folderCounts(ids: Uint32Array, pathOf: (id: number) => string): Map<string, number> {
  const counts = new Map<string, number>();
  const add = (folder: string, run: number) => {
    let at = folder;
    while (at !== '') {
      counts.set(at, (counts.get(at) ?? 0) + run);
      const slash = at.lastIndexOf('/');
      at = slash > 0 ? at.slice(0, slash) : '';
    }
  };
  // The ids in number order: the first listing's are in path order, so one folder's come together.
  const sorted = Uint32Array.from(ids).sort();
  let folder = '';
  let run = 0;
  for (const id of sorted) {
    const path = pathOf(id);
    const slash = path.lastIndexOf('/');
    const here = slash > 0 ? path.slice(0, slash) : '';
    if (here === folder) {
      run++;
      continue;
    }
    add(folder, run);
    folder = here;
    run = 1;
  }
  add(folder, run);
  return counts;
}

/** `folderCounts` from how many photos lie directly in each folder (`''`: the root's own). */
export function folderCountsOf(direct: Map<string, number>): Map<string, number> {
  const counts = new Map<string, number>();
  for (const [folder, run] of direct) {
    let at = folder;
    while (at !== '') {
      counts.set(at, (counts.get(at) ?? 0) + run);
      const slash = at.lastIndexOf('/');
      at = slash > 0 ? at.slice(0, slash) : '';
    }
  }
  return counts;
}
