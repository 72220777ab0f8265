/**
 * @file Accepted tags written to XMP sidecars (engine side of native/xmp, docs/xmp.md):
 * each file's accepted tags as dc:subject (the name) and lr:hierarchicalSubject
 * (`Category|Name`), merged by ExifTool into any sidecar already there. Only what
 * Lantern wrote is ever replaced, so a tag rejected after it was written leaves the
 * sidecar, while keywords typed in other tools stay. Originals are never touched.
 */
import { endExiftool } from '../../../native/xmp/exiftool.js';
import { existsSync } from 'node:fs';
import { sidecarCandidates, writeTagSidecar } from '../../../native/xmp/sidecar.js';
import type { FileTags } from './library-tags.js';

export interface SidecarReport {
  written: string[];
  unchanged: number;
  failed: { path: string; error: string }[];
}

/** Write every file's accepted tags to its sidecar; a failure is recorded, never the end. */
export async function writeAcceptedTags(files: readonly FileTags[]): Promise<SidecarReport> {
  const report: SidecarReport = { written: [], unchanged: 0, failed: [] };
  for (const file of files) {
    const accepted = file.tags.filter((tag) => tag.state === 'accepted');
    // Nothing to say and no sidecar to take an earlier tag out of: create nothing.
    const { full, short } = sidecarCandidates(file.path);
    if (accepted.length === 0 && !existsSync(full) && !existsSync(short)) continue;
    try {
      const result = await writeTagSidecar(file.path, {
        subjects: accepted.map((tag) => tag.name),
        hierarchical: accepted.map((tag) =>
          tag.category ? `${tag.category}|${tag.name}` : tag.name,
        ),
      });
      if (result.changed) report.written.push(result.sidecar);
      else report.unchanged += 1;
    } catch (error) {
      report.failed.push({
        path: file.path,
        error: error instanceof Error ? error.message : String(error),
      });
    }
  }
  return report;
}

/** Stop the ExifTool process the writes started, so the process can exit. */
export function closeSidecarWriter(): Promise<void> {
  return endExiftool();
}
