/**
 * @file joinClips: clips joined into one file (a highlight reel), by stream copy when
 * they share codecs and sizes, else re-encoded. Runs in the engine worker.
 *
 * [Note: joining by copy or by encoding]
 * ffmpeg's concat demuxer appends files packet by packet, which is instant and lossless
 * but only valid when every file has the same codecs, picture size and pixel format,
 * and the same audio layout (clips fast-cut from one video do). Anything else goes
 * through the concat filter: each clip is scaled and padded to the first one's size and
 * frame rate, clips without sound get silence, and the result is encoded once.
 */
import { randomBytes } from 'node:crypto';
import { unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { VideoError } from './errors.js';
import type { FfmpegPaths } from './locate.js';
import { writeOutput } from './output.js';
import type { OutputOptions } from './output.js';
import { fileArg, probeVideo } from './probe.js';
import type { VideoProbe } from './probe.js';

export interface JoinClipsOptions extends OutputOptions {
  /** 'auto' (default) copies when the Note allows; 'encode' always re-encodes. */
  mode?: 'auto' | 'encode';
}

export interface JoinResult {
  out: string;
  duration: number;
  /** How the clips were joined. */
  method: 'copy' | 'encode';
}

function sameShape(a: VideoProbe, b: VideoProbe): boolean {
  return (
    a.videoCodec === b.videoCodec &&
    a.width === b.width &&
    a.height === b.height &&
    a.rotation === b.rotation &&
    a.pixelFormat === b.pixelFormat &&
    a.audioCodec === b.audioCodec
  );
}

/** A line of a concat list: single quotes close, escape and reopen ('\''). */
function listLine(file: string): string {
  return `file '${path.resolve(file).replaceAll("'", "'\\''")}'`;
}

function encodeGraph(probes: VideoProbe[]): { graph: string; extraInputs: string[] } {
  const first = probes[0]!;
  const [w, h] = [
    first.displayWidth + (first.displayWidth % 2),
    first.displayHeight + (first.displayHeight % 2),
  ];
  const fps = first.frameRate > 0 ? first.frameRate.toFixed(3) : '30';
  const withAudio = probes.some((p) => p.hasAudio);
  const extraInputs: string[] = [];
  const parts: string[] = [];
  const pads: string[] = [];
  probes.forEach((probe, i) => {
    parts.push(
      `[${i}:${probe.videoStream}]scale=${w}:${h}:force_original_aspect_ratio=decrease,` +
        `pad=${w}:${h}:(ow-iw)/2:(oh-ih)/2,setsar=1,fps=${fps},format=yuv420p[v${i}]`,
    );
    pads.push(`[v${i}]`);
    if (!withAudio) return;
    let audio = `${i}:a:0`;
    if (!probe.hasAudio) {
      // Silence as long as the clip, as an extra lavfi input after the clips.
      audio = `${probes.length + extraInputs.length / 6}:a:0`;
      extraInputs.push(
        '-f',
        'lavfi',
        '-t',
        probe.duration.toFixed(6),
        '-i',
        'anullsrc=r=48000:cl=stereo',
      );
    }
    parts.push(`[${audio}]aresample=48000,aformat=sample_fmts=fltp:channel_layouts=stereo[a${i}]`);
    pads.push(`[a${i}]`);
  });
  const outputs = withAudio ? '[v][a]' : '[v]';
  parts.push(`${pads.join('')}concat=n=${probes.length}:v=1:a=${withAudio ? 1 : 0}${outputs}`);
  return { graph: parts.join(';'), extraInputs };
}

/** Join `inputs` in order into `out`. See [Note: joining by copy or by encoding]. */
export async function joinClips(
  inputs: readonly string[],
  out: string,
  ff: FfmpegPaths,
  options: JoinClipsOptions = {},
): Promise<JoinResult> {
  if (inputs.length === 0) throw new VideoError('INVALID_INPUT', 'There are no clips to join.');
  const signal = options.signal;
  const probes: VideoProbe[] = [];
  for (const input of inputs) probes.push(await probeVideo(input, ff, signal ? { signal } : {}));
  const total = probes.reduce((sum, p) => sum + p.duration, 0);
  const copy = options.mode !== 'encode' && probes.every((p) => sameShape(p, probes[0]!));
  const faststart = /^\.(mp4|m4v|mov)$/i.test(path.extname(out)) ? ['-movflags', '+faststart'] : [];

  if (copy) {
    const list = path.join(tmpdir(), `lantern-concat-${randomBytes(4).toString('hex')}.txt`);
    await writeFile(list, `ffconcat version 1.0\n${inputs.map(listLine).join('\n')}\n`);
    try {
      const args = [
        '-f',
        'concat',
        '-safe',
        '0',
        '-i',
        fileArg(list),
        '-map',
        '0',
        '-c',
        'copy',
        ...faststart,
      ];
      await writeOutput(ff.ffmpeg, args, out, inputs, total, options);
    } finally {
      await unlink(list).catch(() => undefined);
    }
  } else {
    const { graph, extraInputs } = encodeGraph(probes);
    const withAudio = probes.some((p) => p.hasAudio);
    const args = [
      ...inputs.flatMap((input) => ['-i', fileArg(input)]),
      ...extraInputs,
      ...['-filter_complex', graph, '-map', '[v]', ...(withAudio ? ['-map', '[a]'] : [])],
      ...['-c:v', 'libx264', '-preset', 'veryfast', '-crf', '18', '-c:a', 'aac', '-b:a', '192k'],
      ...faststart,
    ];
    await writeOutput(ff.ffmpeg, args, out, inputs, total, options);
  }
  const written = await probeVideo(
    out,
    ff,
    signal ? { signal, checkTail: false } : { checkTail: false },
  );
  return { out, duration: written.duration, method: copy ? 'copy' : 'encode' };
}
