/**
 * @file The three things Lantern keeps from a photo's EXIF block: capture time, camera,
 * GPS position. Runs in the engine worker (plain Node), on the raw block sharp's
 * `metadata().exif` returns; exifr reads the TIFF directories (docs/dependencies.md).
 *
 * exifr is asked for raw values (no revived Dates, no translated keys): the date
 * parsing below stays ours so that the timezone rule is explicit instead of inheriting
 * a parser's `new Date(localString)`. Broken EXIF is common in the wild, so nothing here
 * throws: a field that cannot be read is `null`. A block whose directories loop is
 * refused before this runs ([Note: looping EXIF directories] in exif-guard.ts); exifr
 * itself reads each directory once, so such a block costs it nothing either.
 *
 * [Note: EXIF time is camera wall-clock time]
 * EXIF dates ("2020:05:17 14:03:09") carry no timezone. Lantern stores them as if
 * they were UTC: `takenAt` is the camera's wall clock encoded with Date.UTC. That is
 * deterministic (the same file gives the same number on every machine and in every
 * test run) and it shows the photo's own clock when formatted with `timeZone: 'UTC'`,
 * which is what a person expects to see ("taken at 14:03"). OffsetTimeOriginal
 * (EXIF 2.31) is ignored on purpose, so that photos with and without it follow one
 * rule; sorting across timezones can be off by the offset, an accepted cost.
 */

export interface ImageExif {
  /** Capture time as camera wall-clock encoded as UTC, ms since the epoch; see the note. */
  takenAt: number | null;
  /** "Make Model", without the make repeated when the model already starts with it. */
  camera: string | null;
  /** Signed decimal degrees (south and west negative). */
  lat: number | null;
  lon: number | null;
}

import { loadExifr, type Exifr } from './exifr-module.js';

// Tag numbers from the EXIF 2.32 specification (CIPA DC-008), tables 4, 7 and 15.
const TAG_MAKE = 0x010f;
const TAG_MODEL = 0x0110;
const TAG_DATE_TIME = 0x0132;
const TAG_DATE_TIME_ORIGINAL = 0x9003;
const TAG_DATE_TIME_DIGITIZED = 0x9004;
const TAG_GPS_LATITUDE_REF = 0x0001;
const TAG_GPS_LATITUDE = 0x0002;
const TAG_GPS_LONGITUDE_REF = 0x0003;
const TAG_GPS_LONGITUDE = 0x0004;

/** exifr's output with mergeOutput off and numeric keys: one record per directory. */
type Directory = Record<number, unknown>;
interface ExifrBlocks {
  ifd0?: Directory;
  exif?: Directory;
  gps?: Directory;
}

const EXIFR_OPTIONS: Parameters<Exifr['parse']>[1] = {
  ifd0: { pick: [TAG_MAKE, TAG_MODEL, TAG_DATE_TIME] },
  exif: { pick: [TAG_DATE_TIME_ORIGINAL, TAG_DATE_TIME_DIGITIZED] },
  gps: {
    pick: [TAG_GPS_LATITUDE_REF, TAG_GPS_LATITUDE, TAG_GPS_LONGITUDE_REF, TAG_GPS_LONGITUDE],
  },
  interop: false,
  ifd1: false,
  makerNote: false,
  userComment: false,
  xmp: false,
  icc: false,
  iptc: false,
  jfif: false,
  ihdr: false,
  translateKeys: false,
  translateValues: false,
  reviveValues: false,
  mergeOutput: false,
};

/** "YYYY:MM:DD HH:MM:SS" (also with "-" or "T") as wall clock in UTC; see the note. */
export function parseExifDate(text: string | null): number | null {
  const match = text?.match(/^(\d{4})[:-](\d{2})[:-](\d{2})[ T](\d{2}):(\d{2})(?::(\d{2}))?/);
  if (!match) return null;
  const [year, month, day, hour, minute, second] = match
    .slice(1)
    .map((part) => Number(part ?? 0)) as [number, number, number, number, number, number];
  // "0000:00:00 00:00:00" is the common "clock never set" value.
  if (
    year < 1800 ||
    month < 1 ||
    month > 12 ||
    day < 1 ||
    day > 31 ||
    hour > 23 ||
    minute > 59 ||
    second > 60
  ) {
    return null;
  }
  const ms = Date.UTC(year, month - 1, day, hour, minute, second);
  // Date.UTC rolls 31 February over to March; a rolled date is not what the camera wrote.
  return new Date(ms).getUTCDate() === day ? ms : null;
}

function cameraName(make: string | null, model: string | null): string | null {
  if (model === null) return make;
  if (make === null) return model;
  // "Canon" + "Canon EOS 5D", "NIKON CORPORATION" + "NIKON D750": keep the model only.
  const brand = make.split(/\s+/)[0]?.toLowerCase() ?? '';
  return model.toLowerCase().startsWith(brand) ? model : `${make} ${model}`;
}

/** A string value, trimmed of the NULs and spaces cameras pad with; null when empty. */
function text(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const trimmed = value.replace(/\0.*$/s, '').trim();
  return trimmed === '' ? null : trimmed;
}

/** Degrees, minutes, seconds (exifr gives the rationals as numbers) to signed degrees. */
function coordinate(value: unknown, ref: unknown, limit: number): number | null {
  if (!Array.isArray(value) || value.length === 0) return null;
  if (!value.every((part) => typeof part === 'number' && Number.isFinite(part))) return null;
  const [degrees = 0, minutes = 0, seconds = 0] = value as number[];
  const magnitude = degrees + minutes / 60 + seconds / 3600;
  if (!Number.isFinite(magnitude) || magnitude < 0 || magnitude > limit) return null;
  const hemisphere = text(ref)?.toUpperCase();
  return hemisphere === 'S' || hemisphere === 'W' ? -magnitude : magnitude;
}

/** The TIFF block inside sharp's EXIF buffer, which starts with "Exif\0\0" for JPEG. */
function tiffBlock(exif: Uint8Array): Buffer {
  const buffer = Buffer.from(exif.buffer, exif.byteOffset, exif.byteLength);
  return buffer.toString('latin1', 0, 6) === 'Exif\0\0' ? buffer.subarray(6) : buffer;
}

/** Capture time, camera and position from a raw EXIF block; null fields where absent. */
export async function readExif(exif: Uint8Array): Promise<ImageExif> {
  const none: ImageExif = { takenAt: null, camera: null, lat: null, lon: null };
  let blocks: ExifrBlocks | undefined;
  const exifr = await loadExifr();
  try {
    blocks = (await exifr.parse(tiffBlock(exif), EXIFR_OPTIONS)) as ExifrBlocks | undefined;
  } catch {
    return none; // not a TIFF block at all
  }
  const ifd0 = blocks?.ifd0 ?? {};
  const exifIfd = blocks?.exif ?? {};
  const gps = blocks?.gps ?? {};

  // DateTimeOriginal is the shutter time; DateTimeDigitized equals it on cameras and is
  // the scan time for scans; DateTime (IFD0) is the last edit, the weakest evidence.
  const takenAt =
    parseExifDate(text(exifIfd[TAG_DATE_TIME_ORIGINAL])) ??
    parseExifDate(text(exifIfd[TAG_DATE_TIME_DIGITIZED])) ??
    parseExifDate(text(ifd0[TAG_DATE_TIME]));
  const lat = coordinate(gps[TAG_GPS_LATITUDE], gps[TAG_GPS_LATITUDE_REF], 90);
  const lon = coordinate(gps[TAG_GPS_LONGITUDE], gps[TAG_GPS_LONGITUDE_REF], 180);
  return {
    takenAt,
    camera: cameraName(text(ifd0[TAG_MAKE]), text(ifd0[TAG_MODEL])),
    // A position needs both halves; one alone is a broken tag, not a place.
    lat: lat !== null && lon !== null ? lat : null,
    lon: lat !== null && lon !== null ? lon : null,
  };
}
