import { refusesFileNameAt } from '../source/enumerate-filter.js';
import { POINTER_FILE } from './pointer.js';

/**
 * The scan's filter applied again to what a source lists, as a second line of defence: a backend
 * that ignores `EnumerateOptions.filter` (or descends into a folder it refused) would otherwise get
 * hidden and system files, and the catalog's own pointer, cataloged, and a new snapshot published
 * by every scan. Returns whether a listed, valid path may be cataloged.
 *
 * Every file of a rescan passes here, so it costs little: listings come folder by folder, and a
 * folder's verdict is kept until a path of another folder comes, so each folder's segments are
 * judged once per run of its files; a file costs a `lastIndexOf`, a prefix comparison and the file
 * filter's test of its name, read in place. `directory` is asked of each folder of a path, from the top, with the
 * name and the path of that folder (as `EnumerateFilter.directory` is).
 */
export function listedPathFilter(
  directory: (name: string, path: string) => boolean,
): (path: string) => boolean {
  // The folder whose verdict is kept, and that verdict; undefined before the first nested path.
  let folder: string | undefined;
  let folderPasses = true;
  const judge = (dir: string) => {
    let start = 0;
    for (;;) {
      const end = dir.indexOf('/', start);
      const stop = end < 0 ? dir.length : end;
      if (!directory(dir.slice(start, stop), dir.slice(0, stop))) return false;
      if (end < 0) return true;
      start = end + 1;
    }
  };
  return (path) => {
    const slash = path.lastIndexOf('/');
    if (slash < 0) return path !== POINTER_FILE && !refusesFileNameAt(path, 0);
    if (folder === undefined || slash !== folder.length || !path.startsWith(folder)) {
      folder = path.slice(0, slash);
      folderPasses = judge(folder);
    }
    return folderPasses && !refusesFileNameAt(path, slash + 1);
  };
}
