/**
 * @file `toy-clip-i18n` (TOY_MODELS.md, "toy multilingual CLIP"): a generated Hugging Face
 * tokenizer.json (WordPiece with BERT normalisation and pre-tokenisation, so CJK
 * characters stand alone) and a text encoder taking `input_ids` and `attention_mask`,
 * in the `toy-clip-gap` geometry. The image encoder is toy-clip-gap's own graph
 * (toy-clip-gap.ts). Built by the toy-model generator (plain Node, test time).
 *
 * Like the gap toy's text graph, this one reads only the positions after the start token
 * ([CLS]) and before the first end token ([SEP]), and only where the attention mask is 1:
 * a tokenizer that drops [SEP], pads before it or masks the wrong positions changes the
 * embedding.
 */
import { TOY_COLOURS, colourVector, type ColourWord } from './colours.js';
import { GraphBuilder } from './onnx-writer.js';
import { gapTextFromIds } from './toy-clip-gap.js';

export const TOY_CLIP_I18N_ID = 'toy-clip-i18n';
/** Shorter than CLIP's 77 (SigLIP uses 64), so a context length taken from code shows. */
export const I18N_CONTEXT = 64;
export const I18N_SPECIAL = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'] as const;
export const I18N_PAD = 0;
export const I18N_CLS = 2;
export const I18N_SEP = 3;

/** Colour words of TOY_MODELS.md in English, French, German, Spanish and Chinese. */
export const I18N_COLOUR_WORDS = {
  red: ['red', 'rouge', 'rot', 'rojo', '红'],
  orange: ['orange', 'naranja', '橙'],
  yellow: ['yellow', 'jaune', 'gelb', 'amarillo', '黄'],
  green: ['green', 'vert', 'grün', 'verde', '绿'],
  blue: ['blue', 'bleu', 'blau', 'azul', '蓝'],
  purple: ['purple', 'violet', 'lila', 'morado', '紫'],
} as const satisfies Partial<Record<ColourWord, readonly string[]>>;

/** Common words, none of them a colour word nor a longer form of one ("blaues" is not here). */
const COMMON_WORDS = {
  en: `a an the of in on at to with and or is are was this that it my your photo picture image
    car house flower flowers tree trees dog cat bird sky sea beach mountain street city road
    door wall window table chair shirt dress hat ball balloon boat train bus bike apple fruit
    light night day sun water field garden room kitchen child children man woman people friend
    big small old new beautiful bright dark some many one two three very from by for`,
  fr: `un une le la les des du de en sur avec et ou est sont ce cette mon ma mes ton photo
    image voiture maison fleur fleurs arbre chien chat oiseau ciel mer plage montagne rue
    ville route porte mur fenêtre table chaise robe chapeau ballon bateau train vélo pomme
    lumière nuit jour soleil eau champ jardin enfant homme femme grand petit vieux beau belle`,
  de: `ein eine einer der die das den dem des und oder ist sind mit auf im am zu von für
    dieses foto bild auto haus blume blumen baum hund katze vogel himmel meer strand berg
    straße stadt tür wand fenster tisch stuhl kleid hut ball boot zug fahrrad apfel licht
    nacht tag sonne wasser feld garten kind mann frau groß klein alt neu schön`,
  es: `el los las un una unos unas del al con y o es son este esta mi tu foto imagen coche casa flor
    flores árbol perro gato pájaro cielo mar playa montaña calle ciudad camino puerta pared
    ventana mesa silla vestido sombrero pelota barco tren bicicleta manzana luz noche día sol
    agua campo jardín niño hombre mujer grande pequeño viejo nuevo bonito`,
  zh: `色 的 花 车 汽 房 子 树 狗 猫 鸟 天 空 海 山 街 城 门 窗 桌 椅 球 船 果 光 夜 日 水
    一 个 张 照 片 图 人 大 小 美 新 老 在 和 是 有 我 你 这 那`,
} as const;

/** WordPiece continuations, so inflected forms ("blaues", "rouges", "rote") split into stem + suffix. */
const SUFFIXES = [
  '##s',
  '##es',
  '##e',
  '##en',
  '##er',
  '##em',
  '##n',
  '##a',
  '##as',
  '##os',
  '##o',
];

/** The vocabulary in id order: specials, colour words, common words, suffixes (no repeats). */
export function i18nVocabulary(): string[] {
  const words = new Set<string>(I18N_SPECIAL);
  for (const list of Object.values(I18N_COLOUR_WORDS)) for (const word of list) words.add(word);
  for (const list of Object.values(COMMON_WORDS))
    for (const word of list.split(/\s+/)) if (word) words.add(word);
  for (const suffix of SUFFIXES) words.add(suffix);
  return [...words];
}

/** Token id → its colour word (TOY_MODELS.md: each colour word's id carries its colour). */
export function i18nColourIds(vocabulary: readonly string[]): Map<number, ColourWord> {
  const colours = new Map<number, ColourWord>();
  for (const [colour, list] of Object.entries(I18N_COLOUR_WORDS) as [
    ColourWord,
    readonly string[],
  ][])
    for (const word of list) colours.set(vocabulary.indexOf(word), colour);
  return colours;
}

/**
 * A tokenizer.json as a BERT-style multilingual model ships it: BertNormalizer
 * (lower-case, accents kept, CJK characters spaced out), BertPreTokenizer, WordPiece with
 * `##` continuations, and `[CLS] $A [SEP]` added by the post-processor.
 */
export function i18nTokenizerJson(vocabulary: readonly string[]): object {
  const special = (id: number) => ({
    id,
    content: vocabulary[id],
    single_word: false,
    lstrip: false,
    rstrip: false,
    normalized: false,
    special: true,
  });
  const token = (id: number) => ({ id: vocabulary[id], ids: [id], tokens: [vocabulary[id]] });
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: I18N_SPECIAL.map((_, id) => special(id)),
    normalizer: {
      type: 'BertNormalizer',
      clean_text: true,
      handle_chinese_chars: true,
      strip_accents: false,
      lowercase: true,
    },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: {
      type: 'TemplateProcessing',
      single: [
        { SpecialToken: { id: '[CLS]', type_id: 0 } },
        { Sequence: { id: 'A', type_id: 0 } },
        { SpecialToken: { id: '[SEP]', type_id: 0 } },
      ],
      pair: [
        { SpecialToken: { id: '[CLS]', type_id: 0 } },
        { Sequence: { id: 'A', type_id: 0 } },
        { SpecialToken: { id: '[SEP]', type_id: 0 } },
        { Sequence: { id: 'B', type_id: 1 } },
        { SpecialToken: { id: '[SEP]', type_id: 1 } },
      ],
      special_tokens: { '[CLS]': token(I18N_CLS), '[SEP]': token(I18N_SEP) },
    },
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: {
      type: 'WordPiece',
      unk_token: '[UNK]',
      continuing_subword_prefix: '##',
      max_input_chars_per_word: 100,
      vocab: Object.fromEntries(vocabulary.map((word, id) => [word, id])),
    },
  };
}

/** Text encoder: `input_ids`, `attention_mask` int64 `[N,L]`, L ≤ I18N_CONTEXT → `text_embeds` `[N,512]`. */
export function buildI18nText(vocabulary: readonly string[]): GraphBuilder {
  const g = new GraphBuilder('toy_clip_i18n_text');
  const ids = g.input('input_ids', 'int64', ['N', 'L']);
  const attention = g.input('attention_mask', 'int64', ['N', 'L']);
  const colours = new Float32Array(vocabulary.length * 3);
  for (const [id, word] of i18nColourIds(vocabulary))
    colours.set(colourVector(TOY_COLOURS[word]), id * 3);
  gapTextFromIds(g, ids, {
    endToken: I18N_SEP,
    contextLength: I18N_CONTEXT,
    attention,
    colours,
    output: 'text_embeds',
  });
  return g;
}
