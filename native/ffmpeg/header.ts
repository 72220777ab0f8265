/**
 * @file What the first bytes of a file say about it, where ffprobe's words cannot tell:
 * a truncated MP4 and a text file named .mp4 fail alike ("moov atom not found"), and a
 * truncated AVI probes as a complete shorter one. Runs in the engine worker.
 */
import { open } from 'node:fs/promises';

/** Read up to `length` bytes from the start of a file (fewer for a shorter file). */
export async function readHead(file: string, length = 16): Promise<Buffer> {
  const handle = await open(file, 'r');
  try {
    const buffer = Buffer.alloc(length);
    const { bytesRead } = await handle.read(buffer, 0, length, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/** Top-level boxes an ISO media file (MP4, MOV, 3GP) starts with (ISO/IEC 14496-12, 4.2). */
const MP4_FIRST_BOXES = new Set(['ftyp', 'moov', 'mdat', 'free', 'skip', 'wide', 'pnot']);

/** Whether the file starts like an MP4/MOV: a box header whose type is one of the above. */
export function looksLikeMp4(head: Buffer): boolean {
  return head.length >= 8 && MP4_FIRST_BOXES.has(head.toString('latin1', 4, 8));
}

/**
 * An AVI is one RIFF chunk whose header states its size (bytes after the first 8). An
 * AVI cut short states more than the file holds; ffmpeg then reads it without complaint
 * (the index is missing, so it scans) and reports the shorter duration.
 */
export function riffTruncated(head: Buffer, fileSize: number): boolean {
  if (head.length < 12 || head.toString('latin1', 0, 4) !== 'RIFF') return false;
  return head.readUInt32LE(4) + 8 > fileSize;
}
