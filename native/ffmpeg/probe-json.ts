/**
 * @file Reading `ffprobe -print_format json` output into typed facts: rationals,
 * durations, rotation. Pure functions; runs in the engine worker.
 */

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
