/**
 * @file Domain types shared by the engine, the command line, the main process and the
 * renderer. Plain data only: everything here must survive structured clone and JSON.
 */

export type MediaKind = 'image' | 'video';

/** One file of the library as the store keeps it, without its vector. */
export interface MediaRecord {
  id: string;
  path: string;
  root: string;
  kind: MediaKind;
  size: number;
  /** Modification time, milliseconds since the epoch. */
  mtime: number;
  /** SHA-256 of the file's bytes, hex. */
  hash: string;
  width: number;
  height: number;
  /** Capture time from EXIF, else null; milliseconds since the epoch. */
  takenAt: number | null;
  /** Seconds, for video. */
  duration: number | null;
  thumbnail: string | null;
  camera: string | null;
  lat: number | null;
  lon: number | null;
  model: string;
}

/** A file the indexer could not read, with the reason a person can act on. */
export interface FailedFile {
  path: string;
  root: string;
  error: string;
  code: string;
}

export interface IndexReport {
  indexed: number;
  unchanged: number;
  removed: number;
  moved: number;
  failed: { path: string; error: string }[];
  /**
   * Folders that could not be read (a root on an unplugged disk, a subfolder without
   * permission): their files were kept, not removed, and count as offline.
   */
  offline: { path: string; error: string }[];
  cancelled: boolean;
}

export interface IndexProgress {
  /** 'verifying': a model download comparing its files with their published SHA-256. */
  phase: 'scanning' | 'indexing' | 'finishing' | 'verifying';
  done: number;
  total: number;
  /** Files per second over the recent window. */
  rate: number;
  /** Seconds of video sampled so far in this run, when there are videos. */
  videoSecondsDone?: number;
  /** Seconds left at the current rate, or null before there is a rate. */
  etaSeconds: number | null;
  currentFile: string | null;
  /**
   * Set while building the index of a newly chosen model: searches keep using the previous
   * model's index until this run completes (UI: "re-indexing for model X: N of M").
   */
  reindexModel?: string;
}

export interface SearchFilters {
  kind?: MediaKind | undefined;
  /** Only files under this folder. */
  folder?: string | undefined;
  /** Inclusive bounds on capture time (or mtime when no capture time), ms since epoch. */
  from?: number | undefined;
  to?: number | undefined;
}

export type SortOrder = 'relevance' | 'date';

export interface SearchOptions extends SearchFilters {
  limit?: number | undefined;
  sort?: SortOrder | undefined;
  /** Return everything up to `limit`, ignoring the adaptive relevance cut-off. */
  noCutoff?: boolean | undefined;
  /**
   * Only files carrying every one of these tags, accepted or suggested (a tag's id, name,
   * synonym or `Category|Name`; the same as `tag:` in the query, docs/search.md "Tags").
   */
  tags?: string[] | undefined;
}

/** One tag the results' files carry, and how many of the results carry it. */
export interface TagFacet {
  /** Tag id, e.g. 'colours/red'. */
  tag: string;
  name: string;
  count: number;
}

export interface SearchResult {
  path: string;
  kind: MediaKind;
  score: number;
  /** For a video: the best-matching stretch, in seconds. */
  start?: number;
  end?: number;
  duration?: number | null;
  takenAt: number | null;
  width: number;
  height: number;
  thumbnail: string | null;
  /**
   * A photo checked by the detector because the query asked for a count ("two dogs"):
   * how many `noun`s it found against how many were `wanted` (engine/search/counting.ts).
   */
  counted?: { noun: string; found: number; wanted: number };
}

/** A search's answer: the relevant results, and how many weaker ones the cut-off hid. */
export interface SearchAnswer {
  results: SearchResult[];
  /** Candidates below the relevance cut-off ("show weaker matches" brings them back). */
  hidden: number;
  /** The tags the results carry, most common first, at most 12 (engine/tags/facets.ts). */
  facets?: TagFacet[];
}

/** How many files of a listing fall in one month (`YYYY-MM`, the person's local calendar). */
export interface MonthCount {
  month: string;
  count: number;
}

/**
 * One page of the library without a query (`library:browse`): every photo and video that
 * passes the filters, newest first by capture time, else modification time.
 */
export interface LibraryPage {
  /** Rows `offset` to `offset + limit` of the listing; `score` is 0 (nothing was asked). */
  items: SearchResult[];
  /** How many files the whole listing has. */
  total: number;
  /** The whole listing's months, newest first: enough to lay out every month heading. */
  months: MonthCount[];
}

export interface LibraryStatus {
  /** The chosen model. */
  model: string | null;
  provider: string | null;
  providerNotes: string[];
  roots: {
    path: string;
    files: number;
    failed: number;
    /** Why the folder cannot be read now (unplugged, no permission); null when it can. */
    offline: string | null;
    /**
     * How the folder is watched for changes (docs/watch.md): native events, polling, or not
     * at all (watching off, or the folder offline). Absent where nothing watches (the CLI).
     */
    watch?: 'events' | 'polling' | 'off';
  }[];
  images: number;
  videos: number;
  failed: number;
  /**
   * While the chosen model's index is being built: searches answer from `servingModel`'s
   * index until `done` reaches `total` in a complete run.
   */
  reindex: { model: string; servingModel: string; done: number; total: number } | null;
  /** Things open() found wrong and repaired or could not (a damaged file kept aside…). */
  warnings: string[];
}

/** A stretch of a video that matches a prompt. */
export type TagState = 'suggested' | 'accepted' | 'rejected';
export type TagSource = 'auto' | 'user' | 'learned' | 'keyword';

/** One tag of one file (engine/tags/library-tags.ts). */
export interface FileTag {
  /** Tag id, e.g. 'colours/red'. */
  tag: string;
  name: string;
  category: string;
  score: number | null;
  state: TagState;
  source: TagSource;
  /** For videos: where the tag holds, in seconds. */
  ranges?: Array<[number, number]>;
}

export interface FileTags {
  path: string;
  tags: FileTag[];
}

/**
 * Where a tag comes from: the bundled vocabulary, a phrase the person added, a photo's own
 * keywords (read at index time), or a tag learned from examples.
 */
export type TagOrigin = 'vocabulary' | 'custom' | 'keyword' | 'learned';

/** A vocabulary tag with how many files carry it in each state. */
export interface TagCount {
  id: string;
  name: string;
  category: string;
  hidden: boolean;
  origin: TagOrigin;
  /** The person's threshold offset (tags:threshold); 0 when the calibrated one stands. */
  offset: number;
  accepted: number;
  suggested: number;
  rejected: number;
}

/** The review queue of one tag (contract channel tags:review). */
export interface TagReviewPage {
  tag: { id: string; name: string; category: string };
  /** Files carrying the tag in the asked state, strongest score first. */
  items: SearchResult[];
  total: number;
}

/** One file near a tag's threshold, for the slider (contract channel tags:preview). */
export interface TagPreviewFile {
  path: string;
  kind: MediaKind;
  score: number;
  thumbnail: string | null;
}

/**
 * What a tag or phrase would tag at a threshold (contract channel tags:preview): the
 * calibrated threshold (docs/tagging.md), the count at calibrated + offset, and the files
 * that just make it and just miss. `histogram` holds every scored file's score in equal
 * bins from `min` to `max`, so the slider can show a count while it moves.
 */
export interface TagPreview {
  /** The saved tag previewed; null for a phrase not saved yet. */
  tag: { id: string; name: string; category: string } | null;
  calibrated: number;
  offset: number;
  threshold: number;
  /** Files scored (one per content). */
  total: number;
  /** Files at or above `threshold`. */
  count: number;
  histogram: { min: number; max: number; counts: number[] };
  /** The weakest files that pass, weakest first. */
  justIn: TagPreviewFile[];
  /** The strongest files that miss, strongest first. */
  justMiss: TagPreviewFile[];
}

/** A tag learned from examples (contract channel tags:learn, `lantern tags learn --json`). */
export interface LearnedTagAnswer {
  /** 'learned/<slug>'. */
  tag: string;
  threshold: number;
  /** Files it now suggests, strongest first (examples and counter-examples left out). */
  suggested: { path: string; score: number }[];
}

/** How the player opens a video (contract channel media:playback). */
export interface PlaybackInfo {
  /** `direct`: the file itself; `stream`: the proxy, fed to Media Source Extensions. */
  mode: 'direct' | 'stream';
  /** For MediaSource.addSourceBuffer; null for direct play. */
  mime: string | null;
  /** Seconds, as ffprobe reads the file (0 when unknown). */
  duration: number;
  /** One sentence for the person: why it plays as it does, or why it cannot. */
  reason: string;
}

export interface Scene {
  path: string;
  start: number;
  end: number;
  /** Time of the best-matching sampled frame. */
  peak: number;
  score: number;
  /** Thumbnail of the frame nearest the peak. */
  thumbnail: string | null;
}

export type ClipMode = 'fast' | 'accurate';

/** A clip written by an export: real start and end (fast mode cuts on keyframes). */
export interface ClipResult {
  out: string;
  start: number;
  end: number;
  duration: number;
}

/** A video's frame for the inspector (contract channel vision:frame). */
export interface VisionFrame {
  /** The frame as a JPEG data URL, upright, at `width × height`. */
  image: string;
  /** The video's upright size in pixels: the space boxes and masks of the frame are in. */
  width: number;
  height: number;
  /** Where the frame is, in seconds (the asked time, within the video). */
  time: number;
}

/**
 * A detector or segmenter loading for its first use (event vision:loading): reading the
 * file (`loaded` of `total` bytes), then preparing the session and its thread, then ready
 * or failed. Several may be sent per phase; ready or failed ends one load.
 */
export interface VisionLoading {
  task: 'detect' | 'segment';
  model: string;
  phase: 'reading' | 'preparing' | 'ready' | 'failed';
  loaded: number;
  total: number;
}

/** One box the detector found (contract channel vision:detect). */
export interface VisionDetection {
  /** The prompt it answers. */
  label: string;
  /** Sigmoid of the detector's logit, 0..1. */
  score: number;
  /** [x0, y0, x1, y1] in the photo's upright pixels. */
  box: [number, number, number, number];
}

/** What the detector found in a photo for some prompts (contract channel vision:detect). */
export interface VisionDetections {
  model: string;
  /** The photo's upright size in pixels. */
  width: number;
  height: number;
  /** The model's suggested score threshold: where the panel's slider starts. */
  threshold: number;
  /** Every box at or above a low floor, strongest first; the panel filters by threshold. */
  detections: VisionDetection[];
}

/** One prompt's mask (contract channel vision:segment). */
export interface VisionMask {
  label: string;
  /** Fraction of the photo inside the mask at the model's suggested threshold. */
  coverage: number;
  /** Probability map as a greyscale PNG data URL (255 = certain), the photo's aspect. */
  image: string;
}

/** What the segmenter found in a photo for some prompts (contract channel vision:segment). */
export interface VisionMasks {
  model: string;
  width: number;
  height: number;
  threshold: number;
  masks: VisionMask[];
}

/**
 * One candidate of a CLIP lens (docs/lenses.md): a label, an answer or a caption, its
 * cosine with the photo and its share of a softmax over all candidates at CLIP's logit
 * scale. Candidates come best first.
 */
export interface LensCandidate {
  text: string;
  cosine: number;
  probability: number;
}

/** `lens:classify` and `lens:ask`: every candidate, best first. */
export interface LensRanking {
  path: string;
  candidates: LensCandidate[];
}

/** A caption composed from the library's vocabulary, with the tags it was made of. */
export interface LensCaption extends LensCandidate {
  tags: string[];
}

/** `lens:describe`: the best composed captions, best first. */
export interface LensDescription {
  path: string;
  captions: LensCaption[];
}

/** One image's CLIPScore against the prompt (2.5·max(cos, 0), Hessel et al. 2021). */
export interface LensViewScore {
  path: string;
  cosine: number;
  clipScore: number;
}

/**
 * `lens:score`: prompt fidelity. For a folder of views of one object, `clipScore` is the
 * mean over `views`; for one file, `views` holds that file alone.
 */
export interface LensScore {
  path: string;
  prompt: string;
  /** Where the prompt came from: 'given', or the chunk or EXIF field it was read from. */
  promptSource: string;
  clipScore: number;
  views: LensViewScore[];
}
