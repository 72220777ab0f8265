/**
 * @file The model registry: every model Lantern knows (the bundled `resources/models.json`
 * plus any model folder with its own `models.json`), where each one's files live, whether
 * they are installed, and whether they are intact. Runs in the engine (plain Node: the
 * engine worker, the CLI, tests).
 *
 * [Note: verified files] A model file is only handed to onnxruntime after its size matches
 * the manifest and its SHA-256 has been checked once for its current (size, mtime). The
 * result is remembered in `<file>.verified` so startup does not re-hash hundreds of
 * megabytes each time. A file rewritten in place gets a new mtime and is hashed again; a
 * deliberate tamper that also restores the mtime is outside what this guards against.
 */
import { createHash } from 'node:crypto';
import type { Hash } from 'node:crypto';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { LanternError } from '../../shared/errors.js';
import { describeManifestIssue, ManifestSchema } from './manifest.js';
import type { ClipModel, Manifest, ModelEntry, ModelFile, PromptModel } from './manifest.js';

export type ModelOrigin = 'bundled' | 'folder';

export interface ModelInfo {
  id: string;
  name: string;
  task: ModelEntry['task'];
  hidden: boolean;
  /** Every file is present with the size the manifest gives (no hashing: cheap). */
  installed: boolean;
  /** Sum of the file sizes; null when the manifest leaves a size out. */
  sizeBytes: number | null;
  /** The manifest's rough download size when `sizeBytes` is null (else null). */
  approxSizeBytes: number | null;
  /**
   * Not installed but partly downloaded (a `.part` file is there): the bytes on disk so
   * far, which the next download resumes from. Null when no download was started.
   */
  partialBytes: number | null;
  license: string;
  source: string;
  /** What its text encoder reads (manifest `languages`; prompt models read English). */
  languages: string[];
  origin: ModelOrigin;
  /** Folder the model's files live in. */
  dir: string;
}

export interface ResolvedClipModel {
  model: ClipModel;
  origin: ModelOrigin;
  dir: string;
  visionPath: string;
  textPath: string;
  vocabPath: string | null;
  /** The checked tokenizer.json of a `tokenizer-json` model; null for CLIP's BPE. */
  tokenizerPath: string | null;
}

export interface ResolvedPromptModel<M extends PromptModel = PromptModel> {
  model: M;
  origin: ModelOrigin;
  dir: string;
  /** The checked ONNX graph (image and prompts in one run). */
  modelPath: string;
}

export type FileCheckReason =
  'verified' | 'unverified' | 'missing' | 'size-mismatch' | 'checksum-mismatch';

export interface FileCheck {
  /** The file's path as the manifest names it. */
  file: string;
  /** Absolute path on disk. */
  path: string;
  /** True when the file may be loaded: verified, or present with nothing to check it against. */
  ok: boolean;
  reason: FileCheckReason;
}

interface Registered {
  entry: ModelEntry;
  origin: ModelOrigin;
  dir: string;
}

export interface RegistryOptions {
  /** The person's model folder; bundled models live in `<modelsDir>/<id>/`. */
  modelsDir: string;
  /** Folders holding their own `models.json` (custom models, the test suite's toy models). */
  extraDirs?: string[];
  /** Where `models.json` is bundled; defaults to LANTERN_RESOURCES, then a search upwards. */
  resourcesDir?: string;
  /**
   * A catalog that replaces the bundled `models.json` (see [Note: catalog override]);
   * defaults to the LANTERN_CATALOG environment variable.
   */
  catalogPath?: string;
}

/**
 * [Note: catalog override] `LANTERN_CATALOG=<file>` replaces the bundled
 * `resources/models.json` with another catalog in the same format: an organisation that
 * mirrors the models on its own server lists its URLs there, and the tests point it at a
 * local HTTP server serving toy models. Its models are downloaded into the models folder
 * like the bundled ones; folders with their own models.json still add to it.
 */
export function catalogPathFrom(
  opts: Pick<RegistryOptions, 'resourcesDir' | 'catalogPath'>,
): string {
  const chosen = opts.catalogPath ?? process.env['LANTERN_CATALOG'];
  if (chosen) return path.resolve(chosen);
  return path.join(opts.resourcesDir ?? findResourcesDir(), 'models.json');
}

export class ModelRegistry {
  private readonly models: Map<string, Registered>;

  private constructor(models: Map<string, Registered>) {
    this.models = models;
  }

  static async load(opts: RegistryOptions): Promise<ModelRegistry> {
    const models = new Map<string, Registered>();
    const add = (entry: ModelEntry, origin: ModelOrigin, dir: string, from: string): void => {
      if (models.has(entry.id)) {
        throw new LanternError(
          'MODEL_INVALID',
          `Model id "${entry.id}" in ${from} is already defined; give the custom model another id.`,
        );
      }
      for (const file of filesOf(entry)) resolveInside(dir, file.path); // fail early, not in list()
      models.set(entry.id, { entry, origin, dir });
    };
    const bundledPath = catalogPathFrom(opts);
    for (const entry of (await readManifest(bundledPath)).models) {
      add(entry, 'bundled', path.join(path.resolve(opts.modelsDir), entry.id), bundledPath);
    }
    // The same folder may arrive twice (as the models folder and as an extra folder).
    for (const dir of new Set((opts.extraDirs ?? []).map((d) => path.resolve(d)))) {
      const manifestPath = path.join(dir, 'models.json');
      for (const entry of (await readManifest(manifestPath)).models)
        add(entry, 'folder', dir, manifestPath);
    }
    return new ModelRegistry(models);
  }

  /** Every model, bundled first, in manifest order (the first visible CLIP model is the default). */
  list(): ModelInfo[] {
    return [...this.models.values()].map(({ entry, origin, dir }) => {
      const files = filesOf(entry);
      const sizes = files.map((f) => f.size);
      const { id, name, task, hidden, license, source } = entry;
      const installed = files.every((f) => isPresent(resolveInside(dir, f.path), f.size));
      const known = sizes.every((n) => n !== undefined);
      const sizeBytes = known ? sizes.reduce((x, y) => x + y, 0) : null;
      const approxSizeBytes = sizeBytes === null ? (entry.approxSize ?? null) : null;
      const partialBytes = installed ? null : bytesSoFar(dir, files);
      return {
        ...{ id, name, task, hidden, installed, sizeBytes, approxSizeBytes, partialBytes },
        ...{ license, source, origin, dir },
        languages: entry.task === 'clip' ? entry.languages : ['en'],
      };
    });
  }

  /** The id Lantern uses when the person has not chosen one. */
  defaultClipId(): string {
    const first = this.list().find((m) => m.task === 'clip' && !m.hidden);
    if (!first)
      throw new LanternError('MODEL_UNKNOWN', 'No CLIP model is listed; reinstall Lantern.');
    return first.id;
  }

  get(id: string): ModelEntry {
    return this.lookup(id).entry;
  }

  /** Folder a model's files belong in (where `lantern models fetch` writes them). */
  dirOf(id: string): string {
    return this.lookup(id).dir;
  }

  /**
   * The CLIP model and the absolute paths of its files, each checked before use (see
   * [Note: verified files]). Throws MODEL_MISSING or MODEL_CHECKSUM with what to do.
   */
  async resolveClip(id: string): Promise<ResolvedClipModel> {
    const found = this.lookup(id);
    const { entry, origin, dir } = found;
    if (entry.task !== 'clip') {
      throw new LanternError(
        'MODEL_INVALID',
        `"${id}" is a ${entry.task} model, not a CLIP model; choose a CLIP model.`,
      );
    }
    const visionPath = await this.usable(found, entry.files.vision);
    const textPath = await this.usable(found, entry.files.text);
    const vocabPath = entry.files.vocab ? await this.usable(found, entry.files.vocab) : null;
    const { tokenizer } = entry.files;
    const tokenizerPath = tokenizer ? await this.usable(found, tokenizer) : null;
    return { model: entry, origin, dir, visionPath, textPath, vocabPath, tokenizerPath };
  }

  /**
   * A detector or segmenter and the checked path of its ONNX graph, as `resolveClip`
   * does for CLIP; refuses a model of another task with a sentence naming both.
   */
  async resolvePromptModel<T extends PromptModel['task']>(
    id: string,
    task: T,
  ): Promise<ResolvedPromptModel<Extract<PromptModel, { task: T }>>> {
    const found = this.lookup(id);
    const { entry, origin, dir } = found;
    if (entry.task !== task) {
      const wanted = task === 'detect' ? 'a detection model' : 'a segmentation model';
      throw new LanternError(
        'MODEL_INVALID',
        `"${id}" is a ${entry.task} model, not ${wanted}; choose ${wanted} (lantern models lists each model's task).`,
      );
    }
    const model = entry as Extract<PromptModel, { task: T }>;
    return { model, origin, dir, modelPath: await this.usable(found, model.files.model) };
  }

  /** The file's absolute path once checked; MODEL_CHECKSUM or MODEL_MISSING saying what to do. */
  private async usable({ entry, origin, dir }: Registered, file: ModelFile): Promise<string> {
    const id = entry.id;
    const result = await checkFile(dir, file, { useCache: true });
    if (result.ok) return result.path;
    if (result.reason !== 'missing') {
      const fix = file.url ? `run \`npx lantern models fetch ${id}\` again` : 'copy a good one in';
      const why = `${result.path} is damaged (${result.reason}) and will not be loaded`;
      throw new LanternError('MODEL_CHECKSUM', `${why}; delete it and ${fix}.`);
    }
    const wanted = filesOf(entry).map((f) => `${id}/${f.path}`);
    throw new LanternError(
      'MODEL_MISSING',
      origin === 'bundled'
        ? `${result.path} is missing; run \`npx lantern models fetch ${id}\`, or point --models at a folder that holds ${wanted.join(' and ')}.`
        : `${result.path} is missing; copy the model's files into ${dir} next to its models.json.`,
    );
  }

  /** Check every file of a model now, hashing afresh (for `lantern models verify`). */
  async verify(id: string): Promise<FileCheck[]> {
    const { entry, dir } = this.lookup(id);
    const results: FileCheck[] = [];
    for (const file of filesOf(entry))
      results.push(await checkFile(dir, file, { useCache: false }));
    return results;
  }

  private lookup(id: string): Registered {
    const found = this.models.get(id);
    if (!found) {
      const known = [...this.models.keys()].join(', ') || 'none';
      throw new LanternError('MODEL_UNKNOWN', `There is no model "${id}"; known models: ${known}.`);
    }
    return found;
  }
}

/** The files of any manifest entry, CLIP or not, in a stable order. */
export function filesOf(entry: ModelEntry): ModelFile[] {
  if (entry.task === 'clip') {
    // A tokenizer.json is downloaded and checked like the encoders (SigLIP, multilingual).
    const { vision, text, vocab, tokenizer } = entry.files;
    return [vision, text, ...(vocab ? [vocab] : []), ...(tokenizer ? [tokenizer] : [])];
  }
  return [entry.files.model];
}

/** Resolve a manifest file path inside its model folder, refusing paths that climb out of it. */
export function resolveInside(dir: string, file: string): string {
  const full = path.resolve(dir, file);
  const rel = path.relative(dir, full);
  if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) {
    throw new LanternError(
      'MODEL_INVALID',
      `The manifest names "${file}", which is outside ${dir}; fix its models.json.`,
    );
  }
  return full;
}

/** The folder holding the bundled `models.json`. */
export function findResourcesDir(): string {
  const fromEnv = process.env['LANTERN_RESOURCES'];
  if (fromEnv) return path.resolve(fromEnv);
  // Walk up from this file: works from the source tree, from a bundle in out/, and in tests.
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = path.join(dir, 'resources');
    if (existsSync(path.join(candidate, 'models.json'))) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  throw new LanternError(
    'MODEL_INVALID',
    'Could not find resources/models.json; reinstall Lantern or set LANTERN_RESOURCES to its resources folder.',
  );
}

async function readManifest(file: string): Promise<Manifest> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(file, 'utf8'));
  } catch (cause) {
    const what = existsSync(file) ? 'is not valid JSON; fix or remove it' : 'could not be read';
    throw new LanternError('MODEL_INVALID', `${file} ${what}.`, { cause });
  }
  // [Note: a manifest is parsed without zod's compiled fast path] zod compiles a parser
  // for each object schema on its first parse (new Function, then V8 compiles that), which
  // pays for a schema parsed many times; a manifest is parsed once or twice a process, and
  // the compile was most of its cost at every start of `lantern`: the bundled and the
  // models folder's manifests parsed in 19-28 ms with it, 12-19 ms without (a cold search,
  // stamped, 6 runs alternated).
  const parsed = ManifestSchema.safeParse(json, { jitless: true });
  if (parsed.success) return parsed.data;
  const where = describeManifestIssue(json, parsed.error);
  throw new LanternError(
    'MODEL_INVALID',
    `${file} is not a valid model manifest (${where}); fix that entry or remove it.`,
  );
}

/** Bytes of an unfinished download: whole files in place plus `.part` files; null if none. */
function bytesSoFar(dir: string, files: ModelFile[]): number | null {
  let total = 0;
  let started = false;
  for (const file of files) {
    const full = resolveInside(dir, file.path);
    const part = sizeOf(`${full}.part`);
    if (part !== null) {
      started = true;
      total += part;
    } else if (isPresent(full, file.size)) {
      total += sizeOf(full) ?? 0;
    }
  }
  return started ? total : null;
}

function sizeOf(file: string): number | null {
  try {
    const st = statSync(file);
    return st.isFile() ? st.size : null;
  } catch {
    return null;
  }
}

function isPresent(file: string, size: number | undefined): boolean {
  try {
    const st = statSync(file);
    return st.isFile() && (size === undefined || st.size === size);
  } catch {
    return false;
  }
}

const MarkerSchema = z.object({ size: z.number(), mtimeMs: z.number(), sha256: z.string() });
type Marker = z.infer<typeof MarkerSchema>;

/** Hashes confirmed in this process, keyed by path, so a read-only folder is not re-hashed. */
const confirmed = new Map<string, Marker>();

/** Check one manifest file on disk: size always, SHA-256 when the manifest has one. */
export async function checkFile(
  dir: string,
  file: ModelFile,
  opts: { useCache: boolean },
): Promise<FileCheck> {
  const full = resolveInside(dir, file.path);
  const where = { file: file.path, path: full };
  const result = (ok: boolean, reason: FileCheckReason): FileCheck => ({ ok, reason, ...where });
  const st = await stat(full).catch(() => null);
  if (!st?.isFile()) return result(false, 'missing');
  if (file.size !== undefined && st.size !== file.size) return result(false, 'size-mismatch');
  if (file.sha256 === undefined) return result(true, 'unverified');
  const expected = file.sha256;
  const matches = (m: Marker | undefined): boolean =>
    m !== undefined && m.size === st.size && m.mtimeMs === st.mtimeMs && m.sha256 === expected;
  if (opts.useCache && (matches(confirmed.get(full)) || matches(await readMarker(full)))) {
    return result(true, 'verified');
  }
  const actual = (await hashFile(full)).digest('hex');
  if (actual !== expected) return result(false, 'checksum-mismatch');
  await rememberVerified(full, actual);
  return result(true, 'verified');
}

/** Feed a file's bytes into `hash` (a fresh SHA-256 unless given one to continue). */
export async function hashFile(file: string, hash: Hash = createHash('sha256')): Promise<Hash> {
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash;
}

/** Record that `file`, as it is now on disk, has this SHA-256 (see [Note: verified files]). */
export async function rememberVerified(file: string, sha256: string): Promise<void> {
  const st = await stat(file);
  const marker = { size: st.size, mtimeMs: st.mtimeMs, sha256 };
  confirmed.set(file, marker);
  try {
    await writeFile(`${file}.verified`, JSON.stringify(marker));
  } catch {
    // A read-only model folder only costs a re-hash in the next process.
  }
}

async function readMarker(file: string): Promise<Marker | undefined> {
  try {
    const parsed = MarkerSchema.safeParse(JSON.parse(await readFile(`${file}.verified`, 'utf8')));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
