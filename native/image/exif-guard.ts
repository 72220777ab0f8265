/**
 * @file A bounded check of the EXIF directory structure, run on a photo's bytes before
 * sharp sees them. Runs in the engine worker (plain Node).
 *
 * [Note: looping EXIF directories]
 * libvips parses every EXIF block it loads (JPEG APP1, PNG eXIf, WebP EXIF) with
 * libexif, in sharp's metadata() as in every decode. libexif follows each sub-directory
 * pointer it meets (Exif 0x8769, GPS 0x8825, Interop 0xA005) in any directory, bounded
 * only by a depth "cost"; its loop check is per directory *kind*, not per offset. A
 * directory made only of pointers back at itself is therefore re-read about
 * fanout^depth times: a 4 KB EXIF block with 150 such pointers costs 35 s of CPU on one
 * core, inside a libuv thread nothing can stop (measured with test/fixtures/exif-bomb.ts,
 * sharp 0.35.5 / libexif 0.6.26). A real camera writes at most one pointer of each kind,
 * each to its own directory. So before decoding, the pointer graph is walked once, each
 * directory at most once per path, with a cap on pointers; a block with a cycle or with
 * more pointers than any writer produces is refused with a reason. The file on disk is
 * never touched.
 *
 * Why this walks the directories itself although exifr reads the fields: exifr reads
 * each directory once into a map keyed by tag, so it cannot see what makes the block
 * pathological (duplicate pointer entries, a pointer to a directory on its own path).
 * This is the smallest walk that can: it reads directory entries' tags and offsets only,
 * never a value.
 */
import { ImageError } from './errors.js';

const POINTER_TAGS = new Set([0x8769, 0x8825, 0xa005]);
/** Exif + GPS + Interop, in IFD0 and in the thumbnail's IFD1, with room to spare. */
const MAX_POINTERS = 8;

/** The TIFF blocks of the EXIF a JPEG, PNG or WebP carries (views, not copies). */
export function exifBlocks(bytes: Uint8Array): Uint8Array[] {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buffer.length >= 2 && buffer[0] === 0xff && buffer[1] === 0xd8) return jpegExif(buffer);
  if (buffer.length >= 8 && buffer.toString('latin1', 1, 4) === 'PNG') return pngExif(buffer);
  if (buffer.length >= 12 && buffer.toString('latin1', 8, 12) === 'WEBP') return webpExif(buffer);
  return [];
}

const EXIF_HEADER = 'Exif\0\0';

function withoutExifHeader(block: Buffer): Buffer {
  return block.toString('latin1', 0, 6) === EXIF_HEADER ? block.subarray(6) : block;
}

/** APP1 segments that start "Exif\0\0", up to the start of the scan (ITU T.81, B.1). */
function jpegExif(buffer: Buffer): Buffer[] {
  const blocks: Buffer[] = [];
  let at = 2;
  while (at + 4 <= buffer.length && buffer[at] === 0xff) {
    const marker = buffer[at + 1]!;
    if (marker === 0xff) {
      at++; // fill byte
      continue;
    }
    if (marker === 0xda || marker === 0xd9) break; // start of scan, end of image
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      at += 2; // markers without a length
      continue;
    }
    const length = buffer.readUInt16BE(at + 2);
    const end = Math.min(buffer.length, at + 2 + length);
    const payload = buffer.subarray(at + 4, end);
    if (marker === 0xe1 && payload.toString('latin1', 0, 6) === EXIF_HEADER)
      blocks.push(payload.subarray(6));
    at = end;
  }
  return blocks;
}

/** eXIf chunks (PNG 1.5 extension), wherever they are. */
function pngExif(buffer: Buffer): Buffer[] {
  const blocks: Buffer[] = [];
  for (let at = 8; at + 8 <= buffer.length;) {
    const length = buffer.readUInt32BE(at);
    const type = buffer.toString('latin1', at + 4, at + 8);
    const data = buffer.subarray(at + 8, Math.min(buffer.length, at + 8 + length));
    if (type === 'eXIf') blocks.push(withoutExifHeader(data));
    if (type === 'IEND') break;
    at += 12 + length;
  }
  return blocks;
}

/** EXIF chunks of a RIFF WebP container (some writers keep the JPEG "Exif\0\0" header). */
function webpExif(buffer: Buffer): Buffer[] {
  const blocks: Buffer[] = [];
  for (let at = 12; at + 8 <= buffer.length;) {
    const type = buffer.toString('latin1', at, at + 4);
    const length = buffer.readUInt32LE(at + 4);
    const data = buffer.subarray(at + 8, Math.min(buffer.length, at + 8 + length));
    if (type === 'EXIF') blocks.push(withoutExifHeader(data));
    at += 8 + length + (length % 2); // chunks are padded to an even size
  }
  return blocks;
}

/** What is wrong with a TIFF block's directory graph, or null when nothing is. */
export function exifStructureProblem(tiff: Uint8Array): string | null {
  const view = new DataView(tiff.buffer, tiff.byteOffset, tiff.byteLength);
  if (view.byteLength < 8) return null;
  const order = view.getUint16(0, false);
  const little = order === 0x4949 ? true : order === 0x4d4d ? false : null;
  if (little === null) return null; // not TIFF: libexif will not read it either
  const u16 = (at: number) => (at + 2 <= view.byteLength ? view.getUint16(at, little) : null);
  const u32 = (at: number) => (at + 4 <= view.byteLength ? view.getUint32(at, little) : null);

  let pointers = 0;
  let problem: string | null = null;
  const onPath = new Set<number>();
  const visit = (offset: number): void => {
    const count = u16(offset);
    if (count === null || problem !== null) return;
    onPath.add(offset);
    for (let i = 0; i < count && problem === null; i++) {
      const entry = offset + 2 + i * 12;
      const tag = u16(entry);
      const target = u32(entry + 8);
      if (tag === null || target === null) break;
      if (!POINTER_TAGS.has(tag)) continue;
      if (++pointers > MAX_POINTERS) problem = `more than ${MAX_POINTERS} sub-directory pointers`;
      else if (onPath.has(target)) problem = 'a directory that points back at itself';
      else visit(target);
    }
    onPath.delete(offset);
  };
  // libexif reads IFD0 and the next one in its chain (IFD1, the thumbnail's), no further.
  const ifd0 = u32(4);
  if (ifd0 !== null) {
    visit(ifd0);
    const count = u16(ifd0);
    const ifd1 = count === null ? null : u32(ifd0 + 2 + count * 12);
    if (ifd1 !== null && ifd1 !== 0 && ifd1 !== ifd0) visit(ifd1);
  }
  return problem;
}

/**
 * Throw DECODE_FAILED when the photo's EXIF would take the decoder minutes; see
 * [Note: looping EXIF directories].
 */
export function assertReadableExif(bytes: Uint8Array, name: string): void {
  for (const block of exifBlocks(bytes)) {
    const problem = exifStructureProblem(block);
    if (problem === null) continue;
    throw new ImageError(
      'DECODE_FAILED',
      `${name} has a malformed EXIF block (${problem}) that would take the decoder minutes ` +
        `to read, so Lantern skipped it. Remove its metadata (for example exiftool -all= ` +
        `"${name}") or re-save it in an editor to index it.`,
    );
  }
}
