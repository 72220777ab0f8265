/**
 * @file Plays a video through the engine's proxy stream with Media Source Extensions
 * (renderer), for the files Chromium cannot open itself ([Note: playing what Chromium
 * cannot] in native/ffmpeg/playback.ts). The <video> keeps its own controls: the
 * MediaSource is given the file's full duration, so the seek bar spans the whole video;
 * a seek to a time not yet buffered drops the stream in flight (the server stops its
 * ffmpeg) and fetches one that starts there. Each stream's header says where its time
 * zero lies in the file, which becomes the SourceBuffer's timestamp offset.
 */

/** The response header naming a stream's start in the file (engine playback-stream.ts). */
const START_HEADER = 'X-Lantern-Stream-Start';
/** Buffered this far ahead of the playhead, reading pauses (and ffmpeg waits). */
const READ_AHEAD_SECONDS = 30;
/** Kept behind the playhead when the browser's buffer is full. */
const KEEP_BEHIND_SECONDS = 10;
/**
 * A new stream starts this much before the seek target: an encoded stream's first frame
 * lies at or just after its start, and a player seeking exactly there would wait on a gap.
 */
const LEAD_IN_SECONDS = 0.5;

export interface StreamPlayerOptions {
  /** The stream URL for a start time, in seconds. */
  url: (start: number) => string;
  /** For MediaSource.addSourceBuffer. */
  mime: string;
  /** The file's duration, seconds (the seek bar's length). */
  duration: number;
  /** A stream failed: the server's sentence or the reason it broke off. */
  onerror: (message: string) => void;
}

export class StreamPlayer {
  private readonly source = new MediaSource();
  private readonly objectUrl: string;
  private buffer: SourceBuffer | null = null;
  /** The stream being read; aborted by a seek elsewhere and by close(). */
  private reading: AbortController | null = null;
  private closed = false;

  constructor(
    private readonly video: HTMLVideoElement,
    private readonly options: StreamPlayerOptions,
  ) {
    this.objectUrl = URL.createObjectURL(this.source);
    this.source.addEventListener('sourceopen', this.onSourceOpen, { once: true });
    video.addEventListener('seeking', this.onSeeking);
    video.addEventListener('timeupdate', this.onTimeUpdate);
    video.src = this.objectUrl;
  }

  /** Stop reading (the server stops ffmpeg) and let go of the MediaSource. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.reading?.abort();
    this.video.removeEventListener('seeking', this.onSeeking);
    this.video.removeEventListener('timeupdate', this.onTimeUpdate);
    this.video.removeAttribute('src');
    this.video.load();
    URL.revokeObjectURL(this.objectUrl);
  }

  private readonly onSourceOpen = () => {
    if (this.closed) return;
    try {
      if (this.options.duration > 0) this.source.duration = this.options.duration;
      this.buffer = this.source.addSourceBuffer(this.options.mime);
    } catch (error) {
      this.options.onerror(`This video cannot be played here (${String(error)}).`);
      return;
    }
    void this.load(this.video.currentTime);
  };

  private readonly onSeeking = () => {
    if (!this.buffer || this.isBuffered(this.video.currentTime)) return;
    void this.load(this.video.currentTime);
  };

  /** Reading waits while far ahead; playback moving on lets it go again. */
  private wake: (() => void) | null = null;
  private readonly onTimeUpdate = () => {
    if (this.wake && this.bufferedAhead() < READ_AHEAD_SECONDS / 2) {
      const wake = this.wake;
      this.wake = null;
      wake();
    }
  };

  private isBuffered(t: number): boolean {
    const ranges = this.buffer?.buffered;
    if (!ranges) return false;
    for (let i = 0; i < ranges.length; i++)
      if (t >= ranges.start(i) && t < ranges.end(i) - 0.1) return true;
    return false;
  }

  /** Seconds buffered past the playhead, in the range that holds it. */
  private bufferedAhead(): number {
    const ranges = this.buffer?.buffered;
    const t = this.video.currentTime;
    if (!ranges) return 0;
    for (let i = 0; i < ranges.length; i++)
      if (t >= ranges.start(i) && t <= ranges.end(i)) return ranges.end(i) - t;
    return 0;
  }

  /** Fetch a stream starting near `t` and append it until it ends or a seek replaces it. */
  private async load(t: number): Promise<void> {
    this.reading?.abort();
    this.wake?.();
    this.wake = null;
    const reading = new AbortController();
    this.reading = reading;
    const buffer = this.buffer;
    if (!buffer) return;
    try {
      await this.idle(buffer);
      if (reading.signal.aborted) return;
      // Drop what a half-read stream left in the parser: the new one starts with its own
      // header. (After endOfStream there is nothing half-read, and abort() would throw.)
      if (this.source.readyState === 'open') buffer.abort();
      const start = Math.max(0, t - LEAD_IN_SECONDS);
      const response = await fetch(this.options.url(start), { signal: reading.signal });
      if (!response.ok) {
        this.options.onerror((await response.text()) || `The stream failed (${response.status}).`);
        return;
      }
      const offset = Number(response.headers.get(START_HEADER) ?? start);
      await this.idle(buffer);
      if (reading.signal.aborted || !response.body) return;
      buffer.timestampOffset = Number.isFinite(offset) ? offset : start;
      const reader = response.body.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done || reading.signal.aborted) break;
        await this.append(buffer, value, reading.signal);
        if (this.bufferedAhead() > READ_AHEAD_SECONDS)
          await new Promise<void>((resolve) => (this.wake = resolve));
      }
      if (!reading.signal.aborted && this.source.readyState === 'open') {
        await this.idle(buffer);
        // The whole rest of the file is in: let the player reach "ended".
        this.source.endOfStream();
      }
    } catch (error) {
      if (reading.signal.aborted || this.closed) return;
      this.options.onerror(`The video stream broke off (${String(error)}).`);
    }
  }

  /** Append one chunk; when the browser's buffer is full, free what lies well behind. */
  private async append(buffer: SourceBuffer, chunk: Uint8Array<ArrayBuffer>, signal: AbortSignal) {
    for (let attempt = 0; ; attempt++) {
      if (signal.aborted) return;
      try {
        buffer.appendBuffer(chunk);
        await this.idle(buffer);
        return;
      } catch (error) {
        if (attempt > 0 || (error as DOMException).name !== 'QuotaExceededError') throw error;
        const behind = this.video.currentTime - KEEP_BEHIND_SECONDS;
        if (behind <= 0) throw error;
        buffer.remove(0, behind);
        await this.idle(buffer);
      }
    }
  }

  /** Resolves once the SourceBuffer has finished its current append or removal. */
  private idle(buffer: SourceBuffer): Promise<void> {
    if (!buffer.updating) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const done = () => {
        buffer.removeEventListener('error', failed);
        resolve();
      };
      const failed = () => {
        buffer.removeEventListener('updateend', done);
        reject(new Error('the browser refused a piece of the stream'));
      };
      buffer.addEventListener('updateend', done, { once: true });
      buffer.addEventListener('error', failed, { once: true });
    });
  }
}

/** A media URL asking for the proxy stream from `start` seconds (see playback-stream.ts). */
export function streamUrl(mediaUrl: string, start: number, transcode: boolean): string {
  const glue = mediaUrl.includes('?') ? '&' : '?';
  return `${mediaUrl}${glue}stream=${start.toFixed(3)}${transcode ? '&transcode=1' : ''}`;
}
