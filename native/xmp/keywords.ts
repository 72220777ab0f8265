/**
 * @file Reads the keywords a photo already carries (embedded XMP dc:subject and
 * lr:hierarchicalSubject, IPTC Keywords, and its XMP sidecars) so the index can show
 * them as tags of their own origin. Runs in the engine worker (plain Node).
 *
 * Why two readers: exifr reads the embedded blocks in-process in ~0.7 ms a photo against
 * ~10 ms for a round trip to the ExifTool process (200 copies of a 3.5 MB JPEG; numbers
 * and command in docs/xmp.md), and most photos carry no keywords at all, so the index
 * pays almost nothing. But exifr turns XMP values that look like numbers or booleans
 * into them ("007" → 7, "1.50" → 1.5, "true" → true) with no option to stop it, so a
 * photo whose embedded keywords come back not all strings is read again by ExifTool,
 * which returns them exactly. Sidecars are always read by ExifTool (sidecar.ts).
 */
import { stat } from 'node:fs/promises';
import type exifrModule from 'exifr';
import { type RawExiftoolTags, XmpError, sharedExiftool } from './exiftool.js';
import { readSidecarTags, sidecarCandidates } from './sidecar.js';

export type KeywordOrigin = 'xmp' | 'iptc' | 'sidecar';

export interface ExistingKeyword {
  /** The tag itself: a plain keyword, or the last part of a hierarchical one. */
  keyword: string;
  /** `Places|France` for the hierarchical keyword `Places|France|Paris`. */
  category?: string;
  /** Where it was first found, in the order embedded XMP, IPTC, sidecar. */
  origin: KeywordOrigin;
}

export interface ReadKeywordsOptions {
  /** Told about a sidecar that could not be read; its keywords are left out. */
  onSkipped?: (error: XmpError) => void;
}

interface KeywordSource {
  origin: KeywordOrigin;
  flat: unknown[];
  hierarchical: unknown[];
}

const EXIFR_OPTIONS: Parameters<typeof exifrModule.parse>[1] = {
  tiff: false,
  ifd1: false,
  exif: false,
  gps: false,
  interop: false,
  xmp: true,
  iptc: true,
  mergeOutput: false,
};

interface ExifrKeywordBlocks {
  iptc?: { Keywords?: unknown };
  dc?: { subject?: unknown };
  lr?: { hierarchicalSubject?: unknown };
}

function asList(value: unknown): unknown[] {
  if (value === undefined || value === null || value === '') return [];
  return Array.isArray(value) ? (value as unknown[]) : [value];
}

/**
 * exifr decodes IPTC text as Latin-1 whatever CodedCharacterSet says, so a UTF-8
 * "Café" arrives as "CafÃ©". Bytes that form valid UTF-8 are read as UTF-8 (what
 * almost every writer since 2010 uses); anything else stays Latin-1.
 */
function iptcText(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const bytes = Buffer.from(value, 'latin1');
  const utf8 = bytes.toString('utf8');
  return utf8.includes('\uFFFD') ? value : utf8;
}

async function embeddedSources(photo: string): Promise<KeywordSource[]> {
  let blocks: ExifrKeywordBlocks | undefined;
  // Evaluated on first use, as in native/image ([Note: exifr loads on first use]).
  const { default: exifr } = await import('exifr');
  try {
    blocks = (await exifr.parse(photo, EXIFR_OPTIONS)) as ExifrKeywordBlocks | undefined;
  } catch {
    // A format exifr does not read (video, RAW it does not know) or a damaged block:
    // no embedded keywords, as for a photo without any.
    return [];
  }
  const xmp: KeywordSource = {
    origin: 'xmp',
    flat: asList(blocks?.dc?.subject),
    hierarchical: asList(blocks?.lr?.hierarchicalSubject),
  };
  const iptc: KeywordSource = {
    origin: 'iptc',
    flat: asList(blocks?.iptc?.Keywords).map(iptcText),
    hierarchical: [],
  };
  const exact = [...xmp.flat, ...xmp.hierarchical].every((value) => typeof value === 'string');
  return exact ? [xmp, iptc] : [await embeddedXmpByExiftool(photo), iptc];
}

/** The embedded XMP keywords as ExifTool reads them: every value a string (JSONQ). */
async function embeddedXmpByExiftool(photo: string): Promise<KeywordSource> {
  const exiftool = await sharedExiftool();
  const raw = await exiftool.readRaw<RawExiftoolTags>(photo, {
    readArgs: [
      '-G1',
      '-fast',
      '-api',
      'StructFormat=JSONQ',
      '-XMP-dc:Subject',
      '-XMP-lr:HierarchicalSubject',
    ],
  });
  return {
    origin: 'xmp',
    flat: asList(raw['XMP-dc:Subject']),
    hierarchical: asList(raw['XMP-lr:HierarchicalSubject']),
  };
}

/** Keywords of the photo's sidecars, less those Lantern wrote there itself. */
async function sidecarSources(
  photo: string,
  options: ReadKeywordsOptions,
): Promise<KeywordSource[]> {
  const { full, short } = sidecarCandidates(photo);
  const sources: KeywordSource[] = [];
  for (const sidecar of short === photo ? [full] : [full, short]) {
    if (!(await exists(sidecar))) continue;
    try {
      const tags = await readSidecarTags(sidecar);
      const lanterns = new Set([...tags.writtenSubjects, ...tags.writtenHierarchical]);
      sources.push({
        origin: 'sidecar',
        flat: tags.subjects.filter((entry) => !lanterns.has(entry)),
        hierarchical: tags.hierarchical.filter((entry) => !lanterns.has(entry)),
      });
    } catch (error) {
      if (!(error instanceof XmpError) || error.code === 'EXIFTOOL_MISSING') throw error;
      options.onSkipped?.(error);
    }
  }
  return sources;
}

function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

function clean(value: unknown): string {
  return String(value).trim();
}

/**
 * The photo's existing keywords, once each (compared without case; the first spelling
 * met wins). A hierarchical keyword gives its last part a category; a plain keyword
 * equal to that last part is the same keyword.
 */
export async function readKeywords(
  photo: string,
  options: ReadKeywordsOptions = {},
): Promise<ExistingKeyword[]> {
  const sources = [...(await embeddedSources(photo)), ...(await sidecarSources(photo, options))];
  const byKey = new Map<string, ExistingKeyword>();
  for (const source of sources) {
    for (const value of source.hierarchical) {
      const parts = clean(value)
        .split('|')
        .map((part) => part.trim())
        .filter((part) => part !== '');
      const keyword = parts.pop();
      if (keyword === undefined) continue;
      const known = byKey.get(keyword.toLowerCase());
      const category = parts.length > 0 ? parts.join('|') : undefined;
      if (!known) {
        byKey.set(keyword.toLowerCase(), {
          keyword,
          origin: source.origin,
          ...(category ? { category } : {}),
        });
      } else if (category && known.category === undefined) {
        known.category = category;
      }
    }
    for (const value of source.flat) {
      const keyword = clean(value);
      if (keyword === '' || byKey.has(keyword.toLowerCase())) continue;
      byKey.set(keyword.toLowerCase(), { keyword, origin: source.origin });
    }
  }
  return [...byKey.values()];
}
