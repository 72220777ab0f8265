/**
 * @file A small, bounds-checked EXIF reader for the three things Lantern keeps from a
 * photo's EXIF block: capture time, camera, GPS position. Runs in the engine worker
 * (plain Node), on the raw block sharp's `metadata().exif` returns.
 *
 * Why not a library: the fields are few and fixed, the format (a TIFF directory tree)
 * is simple, and owning the date parsing keeps the timezone rule below explicit
 * instead of inheriting a parser's `new Date(localString)`. Broken EXIF is common in
 * the wild, so nothing here throws: a field that cannot be read is `null`.
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

// Tag numbers from the EXIF 2.32 specification (CIPA DC-008), tables 4, 7 and 15.
const TAG_MAKE = 0x010f;
const TAG_MODEL = 0x0110;
const TAG_DATE_TIME = 0x0132;
const TAG_EXIF_IFD = 0x8769;
const TAG_GPS_IFD = 0x8825;
const TAG_DATE_TIME_ORIGINAL = 0x9003;
const TAG_DATE_TIME_DIGITIZED = 0x9004;
const TAG_GPS_LATITUDE_REF = 0x0001;
const TAG_GPS_LATITUDE = 0x0002;
const TAG_GPS_LONGITUDE_REF = 0x0003;
const TAG_GPS_LONGITUDE = 0x0004;

// TIFF field types and their sizes in bytes (TIFF 6.0, section 2).
const TYPE_ASCII = 2;
const TYPE_SHORT = 3;
const TYPE_LONG = 4;
const TYPE_RATIONAL = 5;
const TYPE_SIZES: Record<number, number> = { 1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 7: 1, 9: 4, 10: 8 };

/** A directory can hold at most this many entries before we call it garbage. */
const MAX_IFD_ENTRIES = 1000;

interface Entry {
  type: number;
  count: number;
  /** Offset of the value inside the TIFF block (inline values point into the entry). */
  valueOffset: number;
}

/** Reads one TIFF block; every accessor returns null instead of reading out of bounds. */
class TiffReader {
  constructor(
    private readonly view: DataView,
    private readonly littleEndian: boolean,
  ) {}

  get length(): number {
    return this.view.byteLength;
  }

  u16(offset: number): number | null {
    return offset >= 0 && offset + 2 <= this.length
      ? this.view.getUint16(offset, this.littleEndian)
      : null;
  }

  u32(offset: number): number | null {
    return offset >= 0 && offset + 4 <= this.length
      ? this.view.getUint32(offset, this.littleEndian)
      : null;
  }

  /** The entries of the directory at `offset`, keyed by tag. */
  directory(offset: number): Map<number, Entry> {
    const entries = new Map<number, Entry>();
    const count = this.u16(offset);
    if (count === null || count > MAX_IFD_ENTRIES) return entries;
    for (let i = 0; i < count; i++) {
      const at = offset + 2 + i * 12;
      const tag = this.u16(at);
      const type = this.u16(at + 2);
      const n = this.u32(at + 4);
      if (tag === null || type === null || n === null) break;
      const size = (TYPE_SIZES[type] ?? 0) * n;
      const valueOffset = size <= 4 ? at + 8 : this.u32(at + 8);
      if (valueOffset === null || size === 0 || valueOffset + size > this.length) continue;
      entries.set(tag, { type, count: n, valueOffset });
    }
    return entries;
  }

  ascii(entry: Entry | undefined): string | null {
    if (entry?.type !== TYPE_ASCII) return null;
    const bytes = new Uint8Array(
      this.view.buffer,
      this.view.byteOffset + entry.valueOffset,
      entry.count,
    );
    // Cameras pad with NULs and spaces; some strings are Latin-1, which this keeps readable.
    const text = new TextDecoder('latin1').decode(bytes).replace(/\0.*$/s, '').trim();
    return text === '' ? null : text;
  }

  pointer(entry: Entry | undefined): number | null {
    if (entry === undefined || entry.count !== 1) return null;
    if (entry.type === TYPE_LONG) return this.u32(entry.valueOffset);
    if (entry.type === TYPE_SHORT) return this.u16(entry.valueOffset);
    return null;
  }

  rationals(entry: Entry | undefined): number[] | null {
    if (entry?.type !== TYPE_RATIONAL) return null;
    const values: number[] = [];
    for (let i = 0; i < entry.count; i++) {
      const num = this.u32(entry.valueOffset + i * 8);
      const den = this.u32(entry.valueOffset + i * 8 + 4);
      if (num === null || den === null || den === 0) return null;
      values.push(num / den);
    }
    return values;
  }
}

/** The TIFF block inside sharp's EXIF buffer, which starts with "Exif\0\0" for JPEG. */
function openTiff(exif: Uint8Array): { reader: TiffReader; ifd0: number } | null {
  let start = 0;
  if (exif.length >= 6 && String.fromCharCode(...exif.subarray(0, 4)) === 'Exif') start = 6;
  const view = new DataView(exif.buffer, exif.byteOffset + start, exif.byteLength - start);
  if (view.byteLength < 8) return null;
  const order = view.getUint16(0, false);
  // "II" = little-endian (Intel), "MM" = big-endian (Motorola); 42 is the TIFF magic.
  const littleEndian = order === 0x4949 ? true : order === 0x4d4d ? false : null;
  if (littleEndian === null || view.getUint16(2, littleEndian) !== 42) return null;
  return { reader: new TiffReader(view, littleEndian), ifd0: view.getUint32(4, littleEndian) };
}

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

function coordinate(
  reader: TiffReader,
  value: Entry | undefined,
  ref: Entry | undefined,
  limit: number,
) {
  const parts = reader.rationals(value);
  if (parts === null || parts.length === 0) return null;
  const [degrees = 0, minutes = 0, seconds = 0] = parts;
  const magnitude = degrees + minutes / 60 + seconds / 3600;
  if (!Number.isFinite(magnitude) || magnitude > limit) return null;
  const hemisphere = reader.ascii(ref)?.toUpperCase();
  return hemisphere === 'S' || hemisphere === 'W' ? -magnitude : magnitude;
}

/** Capture time, camera and position from a raw EXIF block; null fields where absent. */
export function readExif(exif: Uint8Array): ImageExif {
  const none: ImageExif = { takenAt: null, camera: null, lat: null, lon: null };
  const tiff = openTiff(exif);
  if (tiff === null) return none;
  const { reader } = tiff;
  const ifd0 = reader.directory(tiff.ifd0);
  const exifOffset = reader.pointer(ifd0.get(TAG_EXIF_IFD));
  const exifIfd = exifOffset === null ? new Map<number, Entry>() : reader.directory(exifOffset);
  const gpsOffset = reader.pointer(ifd0.get(TAG_GPS_IFD));
  const gps = gpsOffset === null ? new Map<number, Entry>() : reader.directory(gpsOffset);

  // DateTimeOriginal is the shutter time; DateTimeDigitized equals it on cameras and is
  // the scan time for scans; DateTime (IFD0) is the last edit, the weakest evidence.
  const takenAt =
    parseExifDate(reader.ascii(exifIfd.get(TAG_DATE_TIME_ORIGINAL))) ??
    parseExifDate(reader.ascii(exifIfd.get(TAG_DATE_TIME_DIGITIZED))) ??
    parseExifDate(reader.ascii(ifd0.get(TAG_DATE_TIME)));
  const lat = coordinate(reader, gps.get(TAG_GPS_LATITUDE), gps.get(TAG_GPS_LATITUDE_REF), 90);
  const lon = coordinate(reader, gps.get(TAG_GPS_LONGITUDE), gps.get(TAG_GPS_LONGITUDE_REF), 180);
  return {
    takenAt,
    camera: cameraName(reader.ascii(ifd0.get(TAG_MAKE)), reader.ascii(ifd0.get(TAG_MODEL))),
    // A position needs both halves; one alone is a broken tag, not a place.
    lat: lat !== null && lon !== null ? lat : null,
    lon: lat !== null && lon !== null ? lon : null,
  };
}
