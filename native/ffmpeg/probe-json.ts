/**
 * @file Reading `ffprobe -print_format json` output into typed facts: rationals,
 * durations, rotation. Pure functions; runs in the engine worker.
 */
import { parseExifDate } from '../image/exif.js';

/** The parts of ffprobe's JSON that Lantern reads (ffprobe writes numbers as strings). */
export interface ProbeStreamJson {
  index?: number;
  codec_type?: string;
  codec_name?: string;
  profile?: string;
  width?: number;
  height?: number;
  sample_aspect_ratio?: string;
  pix_fmt?: string;
  r_frame_rate?: string;
  avg_frame_rate?: string;
  start_time?: string;
  duration?: string;
  nb_frames?: string;
  sample_rate?: string;
  channels?: number;
  disposition?: { attached_pic?: number };
  tags?: Record<string, string>;
  side_data_list?: { side_data_type?: string; rotation?: number }[];
}

export interface ProbeJson {
  streams?: ProbeStreamJson[];
  format?: {
    format_name?: string;
    format_long_name?: string;
    start_time?: string;
    duration?: string;
    size?: string;
    bit_rate?: string;
    tags?: Record<string, string>;
  };
}

/** "30000/1001" → 29.97; "0/0", "N/A" and missing → null. */
export function parseRational(value: string | undefined): number | null {
  if (value === undefined) return null;
  const [num, den = '1'] = value.split(/[/:]/);
  const n = Number(num);
  const d = Number(den);
  return Number.isFinite(n) && Number.isFinite(d) && n > 0 && d > 0 ? n / d : null;
}

/** A finite, non-negative number of seconds from ffprobe's text, else null. */
export function parseSeconds(value: string | undefined): number | null {
  if (value === undefined || value === 'N/A') return null;
  const seconds = Number(value);
  return Number.isFinite(seconds) && seconds >= 0 ? seconds : null;
}

/** Matroska's per-stream "DURATION" tag: "00:00:06.000000000". */
export function parseClock(value: string | undefined): number | null {
  const match = value === undefined ? null : /^(\d+):(\d{2}):(\d{2}(?:\.\d+)?)$/.exec(value);
  if (!match) return null;
  return Number(match[1]) * 3600 + Number(match[2]) * 60 + Number(match[3]);
}

/**
 * Clockwise degrees (0, 90, 180, 270) a player turns the stored picture to show it.
 * The display matrix's `rotation` (ffprobe ≥ 5) is counter-clockwise, so a phone's
 * portrait video reads −90 there; the older `rotate` tag (ffprobe 4) was already
 * clockwise ("90" for the same video). Odd angles round to the nearest quarter turn, as
 * ffmpeg's own autorotation does.
 */
export function clockwiseRotation(stream: ProbeStreamJson): 0 | 90 | 180 | 270 {
  const matrix = stream.side_data_list?.find(
    (side) =>
      typeof side.rotation === 'number' && /display ?matrix/i.test(side.side_data_type ?? ''),
  );
  let degrees: number | null = null;
  if (matrix?.rotation !== undefined) degrees = -matrix.rotation;
  else if (stream.tags?.rotate !== undefined && Number.isFinite(Number(stream.tags.rotate)))
    degrees = Number(stream.tags.rotate);
  if (degrees === null) return 0;
  const quarter = (((Math.round(degrees / 90) % 4) + 4) % 4) as 0 | 1 | 2 | 3;
  return ([0, 90, 180, 270] as const)[quarter];
}

/**
 * A video stream that is really a still: the cover art of an .m4a/.mp3 (ffmpeg lists it
 * as a one-frame video stream with the attached_pic disposition).
 */
export function isCoverArt(stream: ProbeStreamJson): boolean {
  return stream.disposition?.attached_pic === 1;
}

/**
 * [Note: a video's capture time and place]
 * Phones and cameras write when and where a video was shot into the container, and
 * ffprobe shows it among the format's tags: Apple's `com.apple.quicktime.creationdate`
 * (local time with its offset, "2023-06-14T12:22:31+0200"), the QuickTime/MP4
 * `creation_time` (UTC by the format's definition, "2023-06-14T10:22:31.000000Z"), and
 * the place as ISO 6709 (`location`, `com.apple.quicktime.location.ISO6709`:
 * "+48.8584+002.2945+035.000/"). A capture time is kept as photos keep theirs, the
 * shooting clock encoded with Date.UTC ([Note: EXIF time is camera wall-clock time] in
 * native/image/exif.ts): from Apple's date its own clock, from `creation_time` the UTC
 * clock, the only one the file states. Placeholder dates (the formats' zero, 1904 and
 * 1970, which unset clocks and editors write) and dates after tomorrow are no date.
 */

const LATEST_CAPTURE_SLACK_MS = 24 * 60 * 60 * 1000;
const VIDEO_DATE = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?$/;

/** Capture time (see the note) from a video's format tags, ms since the epoch, or null. */
export function parseCaptureTime(
  tags: Record<string, string> | undefined,
  now = Date.now(),
): number | null {
  if (!tags) return null;
  const tag = (name: string) =>
    Object.entries(tags).find(([key]) => key.toLowerCase() === name)?.[1];
  const wallClock = (value: string | undefined): number | null => {
    const text = value?.trim() ?? '';
    // The whole value, fractions and zone at most, read as photos read theirs.
    const ms = VIDEO_DATE.test(text) ? parseExifDate(text) : null;
    return ms !== null &&
      new Date(ms).getUTCFullYear() > 1970 &&
      ms <= now + LATEST_CAPTURE_SLACK_MS
      ? ms
      : null;
  };
  return wallClock(tag('com.apple.quicktime.creationdate')) ?? wallClock(tag('creation_time'));
}

/** Latitude and longitude (signed degrees) from a video's ISO 6709 location tag, or null. */
export function parseLocation(
  tags: Record<string, string> | undefined,
): { lat: number; lon: number } | null {
  if (!tags) return null;
  for (const [key, value] of Object.entries(tags)) {
    const name = key.toLowerCase();
    if (name !== 'location' && name !== 'com.apple.quicktime.location.iso6709') continue;
    // Decimal degrees only ("+DD.DDDD+DDD.DDDD"), the form cameras and phones write.
    const match = /^([+-]\d{1,2}(?:\.\d+)?)([+-]\d{1,3}(?:\.\d+)?)/.exec(value.trim());
    if (!match) continue;
    const lat = Number(match[1]);
    const lon = Number(match[2]);
    if (Math.abs(lat) <= 90 && Math.abs(lon) <= 180 && !(lat === 0 && lon === 0))
      return { lat, lon };
  }
  return null;
}
