/**
 * @file What was dropped on the window (renderer): folders to add, images to search by,
 * and whether anything came without a path (the browser shell never learns paths).
 */

/** The parts of a DataTransferItem this reads; a plain object stands in for it in tests. */
export interface DroppedItem {
  kind: string;
  getAsFile(): File | null;
  webkitGetAsEntry(): { isDirectory: boolean } | null;
}

export interface DroppedFiles {
  folders: string[];
  images: string[];
  /** Some file had no path: the shell cannot say where it lives. */
  pathless: boolean;
}

/**
 * Read the drop at once: a DataTransfer empties when its event handler returns.
 * `pathOf` is api.pathForFile, passed in so this stays free of the transport.
 */
export function readDrop(
  items: Iterable<DroppedItem>,
  pathOf: (file: File) => string | null,
): DroppedFiles {
  const dropped: DroppedFiles = { folders: [], images: [], pathless: false };
  for (const item of items) {
    const file = item.kind === 'file' ? item.getAsFile() : null;
    if (!file) continue;
    const path = pathOf(file);
    if (!path) dropped.pathless = true;
    else if (item.webkitGetAsEntry()?.isDirectory) dropped.folders.push(path);
    else if (file.type.startsWith('image/')) dropped.images.push(path);
  }
  return dropped;
}
