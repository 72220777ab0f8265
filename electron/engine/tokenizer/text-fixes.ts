/**
 * @file The text clean-up OpenAI's CLIP tokenizer runs before BPE, so a query pasted from
 * a web page or a word processor ("don’t", "ﬁsh", "ＲＥＤ\u3000ｃａｒ", "&amp;amp;", "cafÃ©")
 * gets the same token ids as the plain text it stands for. Runs in the engine.
 *
 * [Note: CLIP text cleaning] The reference (`simple_tokenizer.py` in openai/CLIP) does
 * `ftfy.fix_text(text)`, then `html.unescape` twice, then collapses whitespace, strips and
 * lower-cases. ftfy has no maintained npm port, so `fixText` reimplements the steps of
 * ftfy 6.3's `fix_text` with its default `TextFixerConfig`, in ftfy's order, repeated until
 * nothing changes (ftfy's own loop, which is why "&amp;amp;amp;" ends as "&"):
 *   unescape_html ("auto": skipped on a line after a literal "<"), fix_encoding (a safe
 *   subset, see `fixMojibake`), fix_c1_controls, fix_latin_ligatures, fix_character_width,
 *   uncurl_quotes, remove_terminal_escapes, remove_control_chars, then NFC.
 * NFC, not NFKC: ftfy's default normalisation is NFC plus the targeted width and ligature
 * fixes, so "½", "²" or "™" stay as they are, as in the reference.
 * Left out because they cannot change the token ids: fix_line_breaks (every line break
 * becomes one space below) and fix_surrogates (a JavaScript string holds a pair as one
 * character already; a lone surrogate becomes U+FFFD when the BPE encodes it as UTF-8).
 * The expected outputs in test/unit/text-fixes.test.ts were recorded with ftfy 6.3.1.
 */
import { DecodingMode, decodeHTML, decodeHTMLStrict } from 'entities';

/** The whole reference clean-up: ftfy, two HTML unescapes, whitespace, lower case. */
export function cleanClipText(text: string): string {
  return whitespaceClean(basicClean(text)).toLowerCase();
}

/** What a model's manifest asks for in `text.clean` (models/manifest.ts). */
export type TextCleanMode = 'none' | 'lower' | 'canonicalize';

/**
 * The clean-up of open_clip's HFTokenizer (`tokenizer.py`), for models that read a
 * tokenizer.json: `lower` is its `_clean_lower` (the CLIP clean-up above); `canonicalize`
 * is its `_clean_canonicalize`, SigLIP's: after ftfy and the HTML unescapes, "_" becomes
 * a space, ASCII punctuation (Python's `string.punctuation`) is removed, the text is
 * lower-cased and its whitespace collapsed. `none` leaves the text to the tokenizer's
 * own normaliser.
 */
export function cleanModelText(text: string, mode: TextCleanMode): string {
  if (mode === 'none') return text;
  if (mode === 'lower') return cleanClipText(text);
  const canonical = basicClean(text).replaceAll('_', ' ').replace(ASCII_PUNCTUATION, '');
  return whitespaceClean(canonical.toLowerCase());
}

/** Python's `string.punctuation`: !"#$%&'()*+,-./:;<=>?@[\]^_`{|}~ */
const ASCII_PUNCTUATION = /[!-/:-@[-`{-~]/g;

/** open_clip's `basic_clean`: ftfy, two HTML unescapes, strip. */
function basicClean(text: string): string {
  return pythonHtmlUnescape(pythonHtmlUnescape(fixText(text))).replace(PYTHON_TRIM, '');
}

/** Runs of whitespace as one space, stripped (Python's `re.sub(r'\s+', ' ', t).strip()`). */
function whitespaceClean(text: string): string {
  return text.replace(PYTHON_WHITESPACE_RUN, ' ').replace(PYTHON_TRIM, '');
}

/**
 * Python's `str.isspace()` set, which the reference's `re.sub(r'\s+', ' ', …)` and
 * `strip()` use. JavaScript's `\s` differs: it includes U+FEFF and misses U+001C–U+001F
 * and U+0085.
 */
const PYTHON_SPACE =
  '\\t\\n\\v\\f\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const PYTHON_WHITESPACE_RUN = new RegExp(`[${PYTHON_SPACE}]+`, 'g');
const PYTHON_TRIM = new RegExp(`^[${PYTHON_SPACE}]+|[${PYTHON_SPACE}]+$`, 'g');

/** ftfy 6.3 `fix_text` with its defaults; see [Note: CLIP text cleaning]. */
export function fixText(text: string): string {
  // ftfy fixes one line at a time, and once a line holds "<" it stops decoding
  // entities for that line and every later one (it may be HTML, whose entities mean
  // something).
  let decodeEntities = true;
  let out = '';
  for (const line of text.match(/[^\n]*\n|[^\n]+$/g) ?? []) {
    if (line.includes('<')) decodeEntities = false;
    out += fixLine(line, decodeEntities);
  }
  return out;
}

/**
 * Each productive pass shortens the text or reaches a form the fixes leave alone, so a
 * fixed point comes within a few passes; the cap only guards against a cycle.
 */
const MAX_PASSES = 16;

function fixLine(line: string, decodeEntities: boolean): string {
  let text = line;
  for (let pass = 0; pass < MAX_PASSES; pass++) {
    const before = text;
    if (decodeEntities) text = unescapeHtmlEntities(text);
    text = fixMojibake(text);
    text = text.replace(/[\x80-\x9f]/g, (c) => CP1252_HIGH.get(c.charCodeAt(0)) ?? c);
    text = text.replace(LIGATURE_RE, (c) => LIGATURES[c] ?? c);
    text = text.replace(/[\u3000\uff01-\uffef]/g, (c) => WIDTH_MAP.get(c) ?? c);
    text = text.replace(/[\u02bc\u2018-\u201b]/g, "'").replace(/[\u201c-\u201f]/g, '"');
    text = text.replace(TERMINAL_ESCAPE, '');
    text = text.replace(CONTROL_CHARS, '');
    text = text.normalize('NFC');
    if (text === before) break;
  }
  return text;
}

/**
 * ftfy's `unescape_html`: entities written with their semicolon, numeric references
 * only when wholly consumed, and lower-case entity names that were upper-cased
 * ("&EACUTE;" → "É"). The entity table is the HTML5 one, from the `entities` package.
 */
function unescapeHtmlEntities(text: string): string {
  return text.replace(/&#?[0-9A-Za-z]{1,24};/g, (ref) => {
    const decoded = decodeHTMLStrict(ref);
    if (ref.startsWith('&#')) return decoded.includes(';') ? ref : decoded;
    if (decoded !== ref) return decoded;
    const name = ref.slice(1, -1);
    if (name !== name.toUpperCase()) return ref;
    const lower = `&${name.toLowerCase()};`;
    const lowerDecoded = decodeHTMLStrict(lower);
    return lowerDecoded === lower ? ref : lowerDecoded.toUpperCase();
  });
}

/**
 * Python's `html.unescape`, which the reference applies twice after ftfy: the HTML5
 * "in text" rules (legacy names without a semicolon, "&ampersand" → "&ersand"), which is
 * the `entities` package's Legacy mode. One difference is bridged by hand: Python drops
 * numeric references to control characters and non-characters, `entities` keeps them.
 */
function pythonHtmlUnescape(text: string): string {
  if (!text.includes('&')) return text;
  const withoutDropped = text.replace(/&#(?:[xX]([0-9a-fA-F]+)|([0-9]+));?/g, (ref, hex, dec) => {
    const codePoint = hex !== undefined ? parseInt(hex as string, 16) : parseInt(dec as string, 10);
    return pythonDropsCodePoint(codePoint) ? '' : ref;
  });
  return decodeHTML(withoutDropped, DecodingMode.Legacy);
}

/** `html._invalid_codepoints`, less U+0080–U+009F, which Python maps as Windows-1252 first. */
function pythonDropsCodePoint(cp: number): boolean {
  return (
    (cp >= 0x1 && cp <= 0x8) ||
    cp === 0xb ||
    (cp >= 0xe && cp <= 0x1f) ||
    cp === 0x7f ||
    (cp >= 0xfdd0 && cp <= 0xfdef) ||
    (cp <= 0x10ffff && (cp & 0xfffe) === 0xfffe)
  );
}

/**
 * Windows-1252's bytes 0x80–0x9F, as ftfy's "sloppy" codec reads them: the five bytes
 * Windows-1252 leaves undefined stand for the C1 control of the same number.
 */
const CP1252_HIGH = new Map<number, string>(
  Array.from('€\x81‚ƒ„…†‡ˆ‰Š‹Œ\x8dŽ\x8f\x90‘’“”•–—˜™š›œ\x9džŸ', (c, i) => [0x80 + i, c]),
);
/** The byte a character has in sloppy Windows-1252, for characters at 0x80 and above. */
const CP1252_BYTE = new Map<string, number>([
  ...Array.from(CP1252_HIGH, ([byte, c]): [string, number] => [c, byte]),
  ...Array.from({ length: 0x60 }, (_, i): [string, number] => [
    String.fromCharCode(0xa0 + i),
    0xa0 + i,
  ]),
]);

/**
 * Mojibake: UTF-8 read as Windows-1252 (or Latin-1), the commonest kind ("cafÃ©",
 * "doesnâ€™t", "Â£5"). ftfy's full `fix_encoding` weighs a "badness" heuristic over a
 * dozen encodings; this keeps to the part that is safe without it. A run of characters
 * that all come from single Windows-1252 bytes is re-decoded only when it holds a pair
 * that ftfy's heuristic itself calls mojibake in any context — "Â" or "Ã" followed by one
 * of the continuation characters listed below, or "â€", or "â‚¬" — and then only the UTF-8
 * sequences led by Â, Ã or â (bytes C2, C3, E2: Latin-1 letters and symbols, and general
 * punctuation, currency and letterlike signs) are decoded; every other byte keeps its
 * character. So "IRMÃ…" (Portuguese, followed by an ellipsis) or "Brontë…”" stay as they
 * are, as they do in ftfy. The passes of `fixLine` undo double encoding a layer at a time.
 * Pairs ftfy would also fix but that are left alone here: other leading bytes (Polish
 * "Å‚", Greek, Cyrillic, emoji), other encodings (MacRoman, Windows-1250/1251), and a
 * non-breaking space lost to a plain one ("Ã  la").
 */
function fixMojibake(text: string): string {
  if (!/[ÂÃâ]/.test(text)) return text;
  return text.replace(SINGLE_BYTE_RUN, (run) =>
    MOJIBAKE_SEED.test(run) ? decodeUtf8Run(run) : run,
  );
}

/** Characters that one sloppy Windows-1252 byte at 0x80 or above decodes to. */
const SINGLE_BYTE_CLASS = '\\x81\\x8d\\x8f\\x90\\x9d\\xa0-\\xff€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ';
const SINGLE_BYTE_RUN = new RegExp(`[${SINGLE_BYTE_CLASS}]{2,}`, 'g');
/**
 * Pairs for which ftfy 6.3.1's `is_bad` holds on the pair alone and `fix_text` decodes
 * it, in any surrounding text (found by trying every continuation byte 0x80–0xBF after
 * each lead): all of them except "…", "Œ", "Ž", "’" and "¥", which ftfy leaves alone.
 */
const MOJIBAKE_SEED = new RegExp(
  [
    '[ÂÃ][\\x81\\x8d\\x8f\\x90\\x9d\\xa0-\\xa4\\xa6-\\xbf€‚ƒ„†‡ˆ‰Š‹‘“”•–—˜™š›œžŸ]',
    'â€',
    'â‚¬',
  ].join('|'),
);

/**
 * Decode the UTF-8 sequences led by C2, C3 or E2 in a run; keep every other character.
 * Like ftfy's UTF8_DETECTOR_RE, a sequence right after a kept continuation character is
 * not decoded: it sits inside a larger garble that decoding a piece of would make worse.
 */
function decodeUtf8Run(run: string): string {
  const chars = Array.from(run);
  const bytes = chars.map((c) => CP1252_BYTE.get(c) ?? -1);
  let out = '';
  let afterKeptContinuation = false;
  for (let i = 0; i < chars.length;) {
    const lead = bytes[i] ?? -1;
    const length = lead === 0xc2 || lead === 0xc3 ? 2 : lead === 0xe2 ? 3 : 0;
    const sequence = bytes.slice(i, i + length);
    if (
      !afterKeptContinuation &&
      length > 0 &&
      sequence.length === length &&
      sequence.slice(1).every(isContinuation)
    ) {
      out += strictUtf8.decode(new Uint8Array(sequence));
      i += length;
    } else {
      out += chars[i] ?? '';
      afterKeptContinuation = isContinuation(lead);
      i += 1;
    }
  }
  return out;
}
const isContinuation = (byte: number) => byte >= 0x80 && byte <= 0xbf;
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** ftfy's LIGATURES table: Latin typographic ligatures and digraphs, and nothing else. */
const LIGATURES: Record<string, string> = {
  Ĳ: 'IJ',
  ĳ: 'ij',
  ŉ: 'ʼn',
  Ǳ: 'DZ',
  ǲ: 'Dz',
  ǳ: 'dz',
  Ǆ: 'DŽ',
  ǅ: 'Dž',
  ǆ: 'dž',
  Ǉ: 'LJ',
  ǈ: 'Lj',
  ǉ: 'lj',
  Ǌ: 'NJ',
  ǋ: 'Nj',
  ǌ: 'nj',
  ﬀ: 'ff',
  ﬁ: 'fi',
  ﬂ: 'fl',
  ﬃ: 'ffi',
  ﬄ: 'ffl',
  ﬅ: 'ſt',
  ﬆ: 'st',
};
const LIGATURE_RE = new RegExp(`[${Object.keys(LIGATURES).join('')}]`, 'g');

/**
 * ftfy's WIDTH_MAP, built the same way: every half- or full-width form in U+FF01–U+FFEF
 * that NFKC changes, mapped to its NFKC form (full-width ASCII → ASCII, half-width
 * katakana → katakana), plus the ideographic space U+3000 → " ".
 */
const WIDTH_MAP = new Map<string, string>([['\u3000', ' ']]);
for (let cp = 0xff01; cp < 0xfff0; cp++) {
  const c = String.fromCharCode(cp);
  const standard = c.normalize('NFKC');
  if (standard !== c) WIDTH_MAP.set(c, standard);
}

/** ftfy's ANSI_RE: colour and cursor codes such as "\x1b[36;44m". */
// eslint-disable-next-line no-control-regex -- matching the escape character is the point
const TERMINAL_ESCAPE = /\x1b\[[\d;]*[a-zA-Z]/g;

/**
 * ftfy's `remove_control_chars`: C0 controls other than tab, line feed, form feed and
 * carriage return, DEL, the deprecated format characters U+206A–U+206F, the byte-order
 * mark and the interlinear annotation characters U+FFF9–U+FFFC.
 */
// eslint-disable-next-line no-control-regex -- removing control characters is the point
const CONTROL_CHARS = /[\x00-\x08\x0b\x0e-\x1f\x7f\u206a-\u206f\ufeff\ufff9-\ufffc]/g;
