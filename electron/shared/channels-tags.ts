/**
 * @file The tagging channels of the IPC contract (tags:*): vocabulary, decisions, review,
 * thresholds, learned tags, tagging jobs. Spread into `contract` in contract.ts.
 */
import { z } from 'zod';
import type { JobSnapshot } from './contract.js';
import { absolutePath, empty, returns, tagOffset, tagWords } from './contract-fields.js';
import type { FileTags, LearnedTagAnswer, TagCount, TagPreview, TagReviewPage } from './types.js';

export const tagChannels = {
  /** The tag vocabulary with how many files carry each tag in each state. */
  'tags:list': { input: empty, output: returns<TagCount[]>() },
  /** Each file's tags (suggested, accepted and rejected), accepted first. */
  'tags:ofFiles': {
    input: z.object({ paths: z.array(absolutePath).min(1).max(1000) }).strict(),
    output: returns<FileTags[]>(),
  },
  /** Accept or reject a tag (by id, name or synonym) on files; a rejection is for good. */
  'tags:decide': {
    input: z
      .object({
        paths: z.array(absolutePath).min(1).max(10_000),
        tag: z.string().trim().min(1).max(200),
        state: z.enum(['accepted', 'rejected']),
      })
      .strict(),
    output: returns<FileTags[]>(),
  },
  /** The review queue: files carrying a tag in one state, strongest first, a page at a time. */
  'tags:review': {
    input: z
      .object({
        tag: z.string().trim().min(1).max(200),
        state: z.enum(['suggested', 'accepted', 'rejected']).optional(),
        limit: z.number().int().min(1).max(1000).optional(),
        offset: z.number().int().min(0).optional(),
      })
      .strict(),
    output: returns<TagReviewPage>(),
  },
  /**
   * Edit the library's vocabulary (kept in the library, over the bundled one): add a tag
   * (a phrase of the person's own: it is decided across the library at once), rename,
   * hide (its suggestions go; accepted tags stay) or merge one tag into another (its files
   * follow). Returns the vocabulary with counts.
   */
  'tags:edit': {
    input: z
      .object({
        edit: z.discriminatedUnion('op', [
          z
            .object({
              op: z.literal('add'),
              name: tagWords,
              category: tagWords,
              synonyms: z.array(tagWords).max(50).optional(),
            })
            .strict(),
          z.object({ op: z.literal('rename'), id: tagWords, name: tagWords }).strict(),
          z.object({ op: z.literal('hide'), id: tagWords, hidden: z.boolean() }).strict(),
          z.object({ op: z.literal('merge'), from: tagWords, into: tagWords }).strict(),
        ]),
      })
      .strict(),
    output: returns<TagCount[]>(),
  },
  /**
   * What a tag (by id or name) or an unsaved phrase would tag at its calibrated threshold
   * plus `offset` (default: the tag's saved offset, else 0): the count and the files that
   * just make it and just miss. Cheap to call again as a slider moves.
   */
  'tags:preview': {
    input: z
      .object({
        tag: tagWords.optional(),
        phrase: tagWords.optional(),
        offset: tagOffset.optional(),
        /** Files shown on each side of the threshold. */
        near: z.number().int().min(1).max(48).optional(),
      })
      .strict()
      .refine((input) => (input.tag === undefined) !== (input.phrase === undefined), {
        message: 'give either a tag or a phrase',
      }),
    output: returns<TagPreview>(),
  },
  /** Save a tag's threshold offset and decide that tag again across the library. */
  'tags:threshold': {
    input: z.object({ tag: tagWords, offset: tagOffset }).strict(),
    output: returns<TagCount[]>(),
  },
  /**
   * Learn a tag from example files (at least 3) and optional counter-examples; it is
   * suggested across the library, and learned again from what the person accepts and
   * rejects of it.
   */
  'tags:learn': {
    input: z
      .object({
        name: tagWords,
        examples: z.array(absolutePath).min(3).max(1000),
        negatives: z.array(absolutePath).max(1000).optional(),
      })
      .strict(),
    output: returns<LearnedTagAnswer>(),
  },
  /** Starts a tagging job over the library, or one folder of it. */
  'tags:run': {
    input: z.object({ root: absolutePath.optional() }).strict(),
    output: returns<JobSnapshot>(),
  },
} as const;
