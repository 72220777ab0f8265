/**
 * @file The text fixes the CLIP tokenizer applies before BPE (text-fixes.ts): each case a
 * person meets in pasted text tokenizes exactly like the plain text it stands for, plain
 * ASCII is left alone, and the whole clean-up agrees with OpenAI's reference on a table
 * recorded from it. Runs under vitest with the bundled vocabulary.
 */
import { describe, expect, it } from 'vitest';
import { ClipTokenizer } from '../../electron/engine/tokenizer/clip-bpe.js';
import { cleanClipText, fixText } from '../../electron/engine/tokenizer/text-fixes.js';
import { CLIP_VOCABULARY } from '../toy-models/toy-clip.js';

const tokenizer = ClipTokenizer.fromFile(CLIP_VOCABULARY);

describe('CLIP text fixes, by token ids', () => {
  it('reads a curly apostrophe as a straight one', () => {
    expect(tokenizer.encode('don’t')).toEqual(tokenizer.encode("don't"));
    expect(tokenizer.encode('“red” car')).toEqual(tokenizer.encode('"red" car'));
  });

  it('splits Latin ligatures into their letters', () => {
    expect(tokenizer.encode('ﬁsh')).toEqual(tokenizer.encode('fish'));
    expect(tokenizer.encode('ﬂower')).toEqual(tokenizer.encode('flower'));
  });

  it('reads full-width letters and the ideographic space as ASCII', () => {
    expect(tokenizer.encode('ＲＥＤ\u3000ｃａｒ')).toEqual(tokenizer.encode('red car'));
  });

  it('undoes HTML escaping applied more than once', () => {
    expect(tokenizer.encode('&amp;amp;')).toEqual(tokenizer.encode('&'));
    expect(tokenizer.encode('salt &amp;amp;amp; pepper')).toEqual(
      tokenizer.encode('salt & pepper'),
    );
    expect(tokenizer.encode('&EACUTE;t&eacute;')).toEqual(tokenizer.encode('été'));
  });

  it('repairs UTF-8 that was read as Windows-1252', () => {
    expect(tokenizer.encode('cafÃ©')).toEqual(tokenizer.encode('café'));
    expect(tokenizer.encode('doesnâ€™t')).toEqual(tokenizer.encode("doesn't"));
  });

  it('leaves plain ASCII exactly as it is', () => {
    const printable = Array.from({ length: 0x7f - 0x20 }, (_, i) => String.fromCharCode(0x20 + i));
    const ascii = printable.join('');
    expect(fixText(ascii)).toBe(ascii);
    expect(fixText('AT&T <b>bold</b> 50% off; x&y')).toBe('AT&T <b>bold</b> 50% off; x&y');
    // The ids the Hugging Face docs give for this text (see clip-tokenizer.test.ts).
    expect(tokenizer.encode('a photo of a cat')).toEqual([320, 1125, 539, 320, 2368]);
  });
});

/**
 * Inputs and what the reference makes of them: `whitespace_clean(basic_clean(t)).lower()`
 * from openai/CLIP's simple_tokenizer.py, that is ftfy.fix_text, html.unescape twice,
 * whitespace collapsed, lower case — recorded with ftfy 6.3.1 on Python 3.11. It includes
 * what ftfy deliberately leaves alone (primes, "½", an "Ã" before an ellipsis, entities on
 * a line that holds "<") so a fix that reaches too far fails here too.
 */
const REFERENCE: [input: string, cleaned: string][] = [
  [
    '\u2018quoted\u2019 \u201cdouble\u201d \u201elow\u201f \u201brev',
    '\'quoted\' "double" "low" \'rev',
  ],
  ['a\u02bcb', "a'b"],
  ['\ufb01sh \ufb02our \ufb00 \ufb03 \ufb04 \ufb05 \ufb06', 'fish flour ff ffi ffl ſt st'],
  ['\u0132SSEL \u0149 \u01c5', "ijssel 'n dž"],
  ['\uff35\uff80\uff70\uff9d', 'uターン'],
  ['&amp;amp;amp;amp;', '&'],
  ['&EACUTE;t&eacute;', 'été'],
  ['&#x2019;s &hellip;', "'s …"],
  ['&ampersand', '&ersand'],
  ['&notit;', '¬it;'],
  ['&#1;x&#0;y', 'x�y'],
  ['a < b &amp;amp;amp; c', 'a < b &amp; c'],
  ['line one\n<b> &amp;amp;amp;', 'line one <b> &amp;'],
  ['\u00c3\u00banico', 'único'],
  ['The Mona Lisa doesn\u00e2\u20ac\u2122t have eyebrows.', "the mona lisa doesn't have eyebrows."],
  ['\u00e2\u20ac\u0153quoted\u00e2\u20ac\u009d', '"quoted"'],
  ['\u00c2\u00a35 and \u00e2\u201a\u00ac5', '£5 and €5'],
  ['na\u00c3\u00afve r\u00c3\u00a9sum\u00c3\u00a9', 'naïve résumé'],
  ['\u00c3\u2030cole', 'école'],
  ['\u00c3\u0178', 'ß'],
  ['\u00c3\u00a2\u00e2\u201a\u00ac\u00e2\u201e\u00a2', "'"],
  ['IRM\u00c3\u2026', 'irmã…'],
  ['Bront\u00eb\u2026\u201d', 'brontë…"'],
  ['\u00e2\u201e\u00a2', 'â"¢'],
  ['S\u00c3O PAULO', 'são paulo'],
  ['5\u2032 tall 6\u2033', '5′ tall 6″'],
  ['\u00bd \u00b2 \u2122 \u2026', '½ ² ™ …'],
  ['e\u0301', 'é'],
  ['x\u0085y', 'x…y'],
  ['a\ufeffb', 'ab'],
  ['\u001b[36;44mblue\u001b[0m', 'blue'],
  ['tab\tsep\u000bv\u001cfs\u2028end', 'tab sepvfs end'],
  ['\u00a0nbsp\u00a0', 'nbsp'],
  ['\u65e5\u672c\u8a9e\u306e\u30c6\u30ad\u30b9\u30c8', '日本語のテキスト'],
];

describe('CLIP text clean-up against the reference', () => {
  it.each(REFERENCE)('cleans %j as the reference does', (input, cleaned) => {
    expect(cleanClipText(input)).toBe(cleaned);
  });
});
