/**
 * @file MINIMAL stand-in (engine) for the tag vocabulary another helper writes for issue
 * 10: only the TagDef type and tagPrompts, so tag-embeddings.ts and decide.ts compile.
 * The lead keeps the other helper's version of this file.
 */

export interface TagDef {
  id: string;
  name: string;
  category: string;
  synonyms: string[];
  templates: string[];
  exclusive: boolean;
  hidden: boolean;
}

/** Every template filled with the name and each synonym ("{}" is the slot), deduplicated. */
export function tagPrompts(tag: TagDef): string[] {
  const words = [tag.name, ...tag.synonyms];
  const templates = tag.templates.length > 0 ? tag.templates : ['{}'];
  return [...new Set(templates.flatMap((t) => words.map((w) => t.replaceAll('{}', w))))];
}
