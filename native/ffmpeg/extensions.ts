/**
 * @file The video file extensions Lantern indexes, apart so that both the adapter's index
 * and the clip writer (output.ts) can use them without an import cycle.
 */

/**
 * File extensions (lower case, no dot) the indexer treats as videos: the containers
 * phones, cameras and screen recorders write. ffmpeg reads many more; a file with a
 * video extension that holds no video is reported, not skipped silently.
 */
export const videoExtensions: readonly string[] = [
  'mp4',
  'm4v',
  'mov',
  'mkv',
  'webm',
  'avi',
  'mts',
  'm2ts',
  '3gp',
  'wmv',
  'mpg',
  'mpeg',
];
