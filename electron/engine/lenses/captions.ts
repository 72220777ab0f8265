/**
 * @file The describe lens's captions (engine, plain Node): sentences composed from the
 * library's vocabulary, to be ranked against the photo by CLIP. CLIP cannot write a
 * caption, but it can say which of many it prefers, so the candidates are built from the
 * tags that suit the photo best: the best tag of each category, each category given a
 * role in the sentence (a place, a thing, a moment, a colour), and every combination of
 * the strongest few written out ("a red photo of a beach with a dog, sunset").
 *
 * The grammar is deliberately small: CLIP reads captions as bags of concepts more than as
 * syntax, and the person reads them as a line of keywords with a frame around them.
 */
import type { TagDef } from '../tags/vocabulary.js';

/** Where a category's tag goes in a caption. */
export type CaptionRole = 'place' | 'thing' | 'moment' | 'colour';

/** Categories by slug (the part of a tag id before '/'); any other category is a thing. */
const ROLES: Record<string, CaptionRole> = {
  scenes: 'place',
  events: 'place',
  weather: 'moment',
  'time-of-day': 'moment',
  colours: 'colour',
};

/** How many of each role's strongest categories enter the combinations (≤ 3·3·2·2 captions). */
const PER_ROLE: Record<CaptionRole, number> = { thing: 2, place: 2, moment: 1, colour: 1 };

export interface ScoredTag {
  tag: TagDef;
  /** Cosine of the tag's embedding with the photo. */
  cosine: number;
}

export interface ComposedCaption {
  text: string;
  /** Ids of the tags the caption was made of. */
  tags: string[];
}

export function roleOf(tag: TagDef): CaptionRole {
  return ROLES[tag.id.split('/')[0] ?? ''] ?? 'thing';
}

/**
 * The best visible tag of each category, then each role's strongest categories, then
 * every caption with at most one tag of each role and at least a place or a thing.
 */
export function composeCaptions(scored: readonly ScoredTag[]): ComposedCaption[] {
  const bestOfCategory = new Map<string, ScoredTag>();
  for (const entry of scored) {
    if (entry.tag.hidden) continue;
    const category = entry.tag.id.split('/')[0] ?? entry.tag.category;
    const best = bestOfCategory.get(category);
    if (!best || entry.cosine > best.cosine) bestOfCategory.set(category, entry);
  }
  const strongest = (role: CaptionRole): (TagDef | null)[] => [
    null,
    ...[...bestOfCategory.values()]
      .filter((entry) => roleOf(entry.tag) === role)
      .sort((a, b) => b.cosine - a.cosine)
      .slice(0, PER_ROLE[role])
      .map((entry) => entry.tag),
  ];
  const captions = new Map<string, ComposedCaption>();
  for (const thing of strongest('thing'))
    for (const place of strongest('place'))
      for (const moment of strongest('moment'))
        for (const colour of strongest('colour')) {
          if (!thing && !place) continue;
          const text = captionText({ thing, place, moment, colour });
          const tags = [colour, place, thing, moment].flatMap((t) => (t ? [t.id] : []));
          if (!captions.has(text)) captions.set(text, { text, tags });
        }
  return [...captions.values()];
}

/** "a [colour] photo of <place> with <thing>[, moment]", with the parts present. */
export function captionText(parts: {
  thing: TagDef | null;
  place: TagDef | null;
  moment: TagDef | null;
  colour: TagDef | null;
}): string {
  const { thing, place, moment, colour } = parts;
  const frame = colour ? `a ${term(colour)} photo of` : 'a photo of';
  const subject =
    place && thing ? `${noun(place)} with ${noun(thing)}` : noun((place ?? thing) as TagDef);
  return `${frame} ${subject}${moment ? `, ${term(moment)}` : ''}`;
}

/** The tag as a noun phrase: "a dog", "an owl"; a sport ("yoga") or an activity ("hiking") stays bare. */
function noun(tag: TagDef): string {
  const words = term(tag);
  const category = tag.id.split('/')[0] ?? '';
  if (category === 'sports' || (category === 'people-activities' && /ing$/.test(words)))
    return words;
  return withArticle(words);
}

function term(tag: TagDef): string {
  return tag.name.trim().replace(/\s+/g, ' ').toLowerCase();
}

/**
 * "a dog", "an owl", "fireworks": no article before a plural (a last word ending in one s,
 * but not "-us": a bus, a cactus).
 */
export function withArticle(phrase: string): string {
  const last = phrase.split(' ').at(-1) ?? phrase;
  if (/[^su]s$/.test(last)) return phrase;
  return `${/^[aeiou]/.test(phrase) ? 'an' : 'a'} ${phrase}`;
}
