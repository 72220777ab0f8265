/**
 * @file A model's weights read in place: a small header model whose large initializers point
 * at their bytes inside the model file itself, so onnxruntime maps them instead of parsing
 * and copying them.
 *
 * [Note: weights read in place]
 * Creating a CPU session from a `.onnx` file makes onnxruntime parse the whole protobuf and
 * copy every weight out of it into a tensor of its own: for the bench's float32 ViT-B/32
 * image encoder (351 MB) 2.3–2.9 s and 2.3–2.9 CPU-s on this project's 2-core machine,
 * mostly memmove and page faults into fresh memory. ONNX can keep a tensor's bytes outside
 * the protobuf ("external data": a file name, an offset and a length, onnx.ai "External
 * Data"), and onnxruntime maps such a file into memory rather than reading it. A tensor's
 * `raw_data` inside a `.onnx` file is already one contiguous run of little-endian bytes in
 * exactly that layout, so a header in which each large initializer keeps its name, type and
 * dimensions but says "the bytes are in `vision_model.onnx` at offset O, length L" is the
 * same model, with nothing copied and no second file. Measured on the bench model, session
 * alone (pre-packing off, [Note: no pre-packing] in session.ts): the image encoder is created
 * in 0.2 s instead of 1.8 s, the text encoder in 0.10 s instead of 2.2 s (and instead of
 * 0.8–1.2 s from the ORT-format copy this replaces, which also cost 254 MB of disk); outputs
 * identical to the last bit (test/integration/in-place-weights.test.ts). Whole processes:
 * `lantern index` of 38 real photos median 4.93 → 4.70 s; a cold `lantern search` 3.2 s and
 * 576 MiB from the file, 0.9 s and 247 MiB in place. The mapped pages are the page cache's:
 * they count in the process's RSS as file pages, and the kernel can drop and re-read them.
 * Models are replaced by renaming a new file over them (the downloader), so a running
 * session keeps mapping the old one; a model file rewritten in place while a session runs
 * from it would change under it, as with any mapped file.
 *
 * [Note: what reading weights in place costs per batch] Measured on this project's 2-core VM
 * (session 25): a batch of 16 runs slower on mapped weights than on weights onnxruntime
 * copied into memory (bench ViT-B/32 image encoder 0.93–0.98 s against 0.76–0.78 s; the int8
 * export 0.34–0.38 against 0.30 s), which is most of why inference cost more CPU per photo
 * inside `lantern index` than the bench's bound measured while that loaded from the file (it
 * now measures both, test/bench/pipeline.ts). Not the alignment (73 of the 74 large weights
 * start off a 64-byte line, but a copy laid out on 64-byte lines and mapped ran as slowly),
 * not the graph (the optimised graphs are the same); weights handed over in memory
 * (onnxruntime-node's `externalData`) ran at the copied speed but took 5 s to create. The
 * whole process still came out ahead mapped (above), and the copy would add ~200 MB at the
 * peak, so the weights stay mapped.
 *
 * The header is loaded from memory with onnxruntime's
 * `session.model_external_initializers_file_folder_path` set to the model's folder
 * (onnxruntime_session_options_config_keys.h: the folder of a buffer-loaded model's external
 * data; onnxruntime refuses locations outside it, so the header names the model by its file
 * name). It is built once by walking the file's protobuf with small reads, never holding the
 * weights, and kept in `.in-place/` beside the model, named like the other copies by the
 * source file's size and time; a model with nothing worth referencing gets an empty marker.
 * Only the main graph's initializers with `raw_data` of at least MIN_BYTES are referenced;
 * every other field of the file is copied byte for byte (onnx.proto: ModelProto.graph 7;
 * GraphProto.initializer 5; TensorProto.segment 3, name 8, raw_data 9, external_data 13,
 * data_location 14; StringStringEntryProto key 1, value 2).
 */
import { mkdir, open, readFile, rename, rm, writeFile, type FileHandle } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import protobuf from 'protobufjs/minimal.js';
import { modelCopyPath, removeCopies, removeOtherCopies } from './model-copies.js';

const { Writer } = protobuf;

const COPY_DIR = '.in-place';
/** Changes when the header's layout does, so headers made by an earlier one are made again. */
const REVISION = 1;
/** Smaller initializers (shapes, scalars, biases of a few values) stay inside the header. */
export const MIN_BYTES = 4096;
/** The session option naming the folder of a buffer-loaded model's external data. */
export const EXTERNAL_DATA_FOLDER = 'model_external_initializers_file_folder_path';

/** A header to create a session from, with the folder its weights are read from. */
export interface InPlaceModel {
  header: Uint8Array;
  folder: string;
}

/** Where the header of `modelPath` (whose size and mtime are `fileStamp`) is kept. */
export function inPlacePath(modelPath: string, fileStamp: string, suffix = '.onnx'): string {
  return modelCopyPath(modelPath, COPY_DIR, String(REVISION), fileStamp, suffix);
}

/**
 * The header of `modelPath` ([Note: weights read in place]), or null when the file has no
 * initializer worth referencing or is not a protobuf this walk understands (its load from
 * the path then reports what is wrong). Made once and kept; a folder Lantern cannot write
 * to only means it is made again next time (a walk of small reads).
 */
export async function inPlaceModel(
  modelPath: string,
  fileStamp: string,
): Promise<InPlaceModel | null> {
  // LANTERN_IN_PLACE=0: load every model from its file as it is (the benchmark's side by
  // side, and a way out should a header ever misbehave).
  if (process.env.LANTERN_IN_PLACE === '0') return null;
  const target = inPlacePath(modelPath, fileStamp);
  const none = inPlacePath(modelPath, fileStamp, '.none');
  const folder = dirname(modelPath);
  const kept = await readFile(target).catch(() => null);
  if (kept) return { header: kept, folder };
  if (
    await readFile(none).then(
      () => true,
      () => false,
    )
  )
    return null;
  let header: Uint8Array | null;
  try {
    header = (await buildHeader(modelPath))?.header ?? null;
  } catch {
    return null;
  }
  await keep(modelPath, header === null ? none : target, header ?? new Uint8Array());
  return header === null ? null : { header, folder };
}

/** Forgets a header onnxruntime refused, so the next load walks the file again. */
export async function dropInPlace(modelPath: string, fileStamp: string): Promise<void> {
  await rm(inPlacePath(modelPath, fileStamp), { force: true });
}

async function keep(modelPath: string, file: string, bytes: Uint8Array): Promise<void> {
  const partial = `${file}.partial-${process.pid}`;
  try {
    await mkdir(dirname(file), { recursive: true });
    await writeFile(partial, bytes);
    await rename(partial, file);
    await removeOtherCopies(modelPath, [file]);
    // Copies of the format this replaces (Lantern 0.x kept the text encoder's there).
    await removeCopies(modelPath, '.ort-format');
  } catch {
    await rm(partial, { force: true }).catch(() => undefined);
  }
}

interface FieldAt {
  no: number;
  wire: number;
  /** The field's first byte (its tag). */
  start: number;
  /** A length-delimited field's body; for other wire types, the byte after the tag. */
  bodyStart: number;
  end: number;
}

/**
 * Reads a file through a window of WINDOW bytes, so a walk that skips weights reads few.
 * The window is one buffer, refilled in place: a walk over a 254 MB model moves it ~200
 * times (once per large initializer), and a fresh 1 MiB buffer each time left ~25 MiB of
 * garbage for the first search's peak (306 against 281 MiB) and read ~200 MB to look at
 * the few bytes of each initializer's header; 64 KiB holds those headers.
 */
class FileWindow {
  private static readonly WINDOW = 1 << 16;
  private readonly window = Buffer.allocUnsafe(FileWindow.WINDOW);
  private buffer = Buffer.alloc(0);
  private start = 0;

  constructor(
    private readonly handle: FileHandle,
    readonly size: number,
  ) {}

  /** `length` bytes at `at`, valid until the next call. */
  async bytes(at: number, length: number): Promise<Uint8Array> {
    if (at < 0 || at + length > this.size) throw new Error('read past the end of the file');
    if (at < this.start || at + length > this.start + this.buffer.length) {
      const size = Math.min(Math.max(length, FileWindow.WINDOW), this.size - at);
      // What `bytes` returned before is only valid until this call, so the window's own
      // buffer can be refilled; a longer run of bytes gets a buffer of its own.
      const buffer =
        size <= FileWindow.WINDOW ? this.window.subarray(0, size) : Buffer.allocUnsafe(size);
      for (let done = 0; done < size;) {
        const { bytesRead } = await this.handle.read(buffer, done, size - done, at + done);
        if (bytesRead === 0) throw new Error('the file ended early');
        done += bytesRead;
      }
      this.buffer = buffer;
      this.start = at;
    }
    return this.buffer.subarray(at - this.start, at - this.start + length);
  }

  /** A varint at `at` and the position after it. */
  async varint(at: number): Promise<[number, number]> {
    const bytes = await this.bytes(at, Math.min(10, this.size - at));
    let value = 0;
    for (let i = 0; i < bytes.length; i++) {
      value += (bytes[i]! & 0x7f) * 2 ** (7 * i);
      if ((bytes[i]! & 0x80) === 0) return [value, at + i + 1];
    }
    throw new Error('a varint runs past its end');
  }

  /** A copy of the bytes from `start` to `end` (kept across later reads). */
  async copy(start: number, end: number): Promise<Uint8Array> {
    return Uint8Array.from(await this.bytes(start, end - start));
  }
}

async function fieldsOf(window: FileWindow, start: number, end: number): Promise<FieldAt[]> {
  const out: FieldAt[] = [];
  for (let at = start; at < end;) {
    const [tag, afterTag] = await window.varint(at);
    const no = Math.floor(tag / 8);
    const wire = tag % 8;
    let bodyStart = afterTag;
    let next: number;
    if (wire === 0) next = (await window.varint(afterTag))[1];
    else if (wire === 1) next = afterTag + 8;
    else if (wire === 5) next = afterTag + 4;
    else if (wire === 2) {
      const [length, after] = await window.varint(afterTag);
      bodyStart = after;
      next = after + length;
    } else throw new Error(`protobuf wire type ${wire} is not read here`);
    if (next > end) throw new Error('a field runs past its message');
    out.push({ no, wire, start: at, bodyStart, end: next });
    at = next;
  }
  return out;
}

function lengthDelimited(no: number, body: Uint8Array): Uint8Array {
  return Writer.create()
    .uint32((no << 3) | 2)
    .bytes(body)
    .finish();
}

function entry(key: string, value: string): Uint8Array {
  const body = Writer.create()
    .uint32((1 << 3) | 2)
    .string(key)
    .uint32((2 << 3) | 2)
    .string(value)
    .finish();
  return lengthDelimited(13, body);
}

/** TensorProto.DataLocation EXTERNAL. */
const EXTERNAL = Writer.create()
  .uint32((14 << 3) | 0)
  .int32(1)
  .finish();

/** The initializer with its raw_data referenced in place, or null to copy it as it is. */
async function referenced(
  window: FileWindow,
  tensor: FieldAt,
  location: string,
  references: Reference[],
): Promise<Uint8Array | null> {
  const fields = await fieldsOf(window, tensor.bodyStart, tensor.end);
  // Already external, or split into segments: left as the file has it.
  if (fields.some((f) => f.no === 3 || f.no === 13 || f.no === 14)) return null;
  const raw = fields.find((f) => f.no === 9 && f.wire === 2);
  if (!raw || raw.end - raw.bodyStart < MIN_BYTES) return null;
  const parts: Uint8Array[] = [];
  let name = '';
  for (const f of fields) {
    if (f === raw) continue;
    const bytes = await window.copy(f.start, f.end);
    if (f.no === 8 && f.wire === 2)
      name = Buffer.from(bytes.subarray(f.bodyStart - f.start)).toString('utf8');
    parts.push(bytes);
  }
  references.push({ name, offset: raw.bodyStart, length: raw.end - raw.bodyStart });
  parts.push(
    entry('location', location),
    entry('offset', String(raw.bodyStart)),
    entry('length', String(raw.end - raw.bodyStart)),
    EXTERNAL,
  );
  return lengthDelimited(5, Buffer.concat(parts));
}

/** Where one referenced initializer's bytes lie in the model file. */
export interface Reference {
  name: string;
  offset: number;
  length: number;
}

/**
 * The header of the model at `modelPath` and what it references, or null when no
 * initializer is worth referencing.
 */
export async function buildHeader(
  modelPath: string,
): Promise<{ header: Uint8Array; references: Reference[] } | null> {
  const handle = await open(modelPath, 'r');
  try {
    const window = new FileWindow(handle, (await handle.stat()).size);
    const top = await fieldsOf(window, 0, window.size);
    const graphs = top.filter((f) => f.no === 7 && f.wire === 2);
    if (graphs.length !== 1) return null;
    const graph = graphs[0]!;
    const location = basename(modelPath);
    const references: Reference[] = [];
    const graphParts: Uint8Array[] = [];
    for (const f of await fieldsOf(window, graph.bodyStart, graph.end)) {
      const rewritten =
        f.no === 5 && f.wire === 2 ? await referenced(window, f, location, references) : null;
      graphParts.push(rewritten ?? (await window.copy(f.start, f.end)));
    }
    if (references.length === 0) return null;
    const parts: Uint8Array[] = [];
    for (const f of top)
      parts.push(
        f === graph
          ? lengthDelimited(7, Buffer.concat(graphParts))
          : await window.copy(f.start, f.end),
      );
    return { header: Buffer.concat(parts), references };
  } finally {
    await handle.close();
  }
}
