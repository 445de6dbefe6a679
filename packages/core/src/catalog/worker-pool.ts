/**
 * Runs `handle` over `items`, `workers` at a time: the one pool of the catalog, for the scan's
 * digests and the repair of cache files. A fixed set of workers pulls the next item, rather than a
 * promise made per item up front (as p-limit would), so memory stays flat over 100k files; and each
 * slot of `items` is cleared as its item is taken, so a handled item can be collected at once.
 * Workers take no new item once `stop` says so. Returns how many items were taken: those from that
 * index on were never handled.
 */
export async function drainWithWorkers<T>(
  items: (T | undefined)[],
  workers: number,
  handle: (item: T) => Promise<void>,
  stop?: () => boolean,
): Promise<number> {
  let next = 0;
  const worker = async () => {
    while (next < items.length && !stop?.()) {
      const item = items[next] as T;
      items[next++] = undefined;
      await handle(item);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, workers) }, worker));
  return next;
}
