/**
 * @file The one ExifTool process Lantern talks to, started on first use and ended by
 * `endExiftool()`, and the errors of the XMP adapter. Runs in the engine worker and in
 * the command line (plain Node).
 *
 * Why ExifTool and not hand-written XMP: other organisers (digiKam, darktable,
 * Lightroom) keep ratings, labels, edit history and their own keywords in the same
 * sidecar; ExifTool rewrites a sidecar keeping every field it does not set, including
 * namespaces it does not know. exiftool-vendored runs it as a long-lived
 * `-stay_open True -@ -` process (DefaultExiftoolArgs.js) managed by batch-cluster, so one
 * sidecar costs a round trip, not a Perl start-up.
 *
 * Why one instance with one process: "Instances are expensive" (ExifTool.d.ts, class
 * comment) and each process is a Perl interpreter of ~30 MB; sidecar writes are rare and
 * serialised per file anyway (sidecar.ts). A live process keeps node from exiting, so the
 * command line, the service and tests call `endExiftool()` (ExifTool.end(), "make sure
 * you await ExifTool.end when you're done").
 *
 * [Note: the lantern XMP namespace]
 * Lantern records which dc:subject and lr:hierarchicalSubject entries it wrote itself in
 * `lantern:WrittenSubjects` / `lantern:WrittenHierarchicalSubjects` (bags) inside the same
 * sidecar, so a later write can take back a tag the person rejected without ever
 * removing a keyword typed in another tool (docs/xmp.md). ExifTool writes a namespace it
 * does not know only when it is declared in a config file (the `-config` option, which
 * must come first on ExifTool's command line: https://exiftool.org/config.html), so the
 * declaration below is written to a file once and passed before `-stay_open`.
 */
import { createHash } from 'node:crypto';
import { constants, existsSync } from 'node:fs';
import { access, mkdir, rename, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type * as exiftoolVendored from 'exiftool-vendored';
import type { ExifTool, Tags } from 'exiftool-vendored';

type ExiftoolVendored = typeof exiftoolVendored;

/**
 * exiftool-vendored, loaded by the first sharedExiftool() rather than at import: the
 * command line's bundle would otherwise load it (and batch-cluster) for every command.
 * See [Note: native packages load on first use] in native/image/sharp-module.ts.
 */
function loadExiftoolVendored(): ExiftoolVendored {
  return createRequire(import.meta.url)('exiftool-vendored') as ExiftoolVendored;
}

export type XmpErrorCode =
  /** Perl or the exiftool script could not be started. */
  | 'EXIFTOOL_MISSING'
  | 'NOT_FOUND'
  | 'NOT_ALLOWED'
  | 'UNSUPPORTED_FORMAT'
  | 'READ_FAILED'
  | 'STORE_FAILED';

/**
 * native/ may not import electron/ (DESIGN.md, Layout), so like ImageError this carries
 * a stable code (spelled as in electron/shared/errors.ts, EXIFTOOL_MISSING to be added
 * there beside FFMPEG_MISSING) and one sentence saying what to do.
 */
export class XmpError extends Error {
  readonly code: XmpErrorCode;

  constructor(code: XmpErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'XmpError';
    this.code = code;
  }
}

/** readRaw's answer with `-G1`: keys are `Group:Tag`, values JSON as ExifTool printed. */
export type RawExiftoolTags = Tags & Record<string, unknown>;

export const LANTERN_XMP_NAMESPACE = 'https://github.com/lantern-photos/lantern/ns/xmp/1.0/';

/** ExifTool's user-defined tag table for the lantern namespace (Perl, see config.html). */
const LANTERN_NAMESPACE_CONFIG = `# Written by Lantern: declares the lantern XMP namespace (docs/xmp.md).
%Image::ExifTool::UserDefined = (
    'Image::ExifTool::XMP::Main' => {
        lantern => { SubDirectory => { TagTable => 'Image::ExifTool::UserDefined::lantern' } },
    },
);
%Image::ExifTool::UserDefined::lantern = (
    GROUPS => { 0 => 'XMP', 1 => 'XMP-lantern', 2 => 'Image' },
    NAMESPACE => { 'lantern' => '${LANTERN_XMP_NAMESPACE}' },
    WRITABLE => 'string',
    WrittenSubjects => { List => 'Bag' },
    WrittenHierarchicalSubjects => { List => 'Bag' },
);
1;
`;

/**
 * The config file, named by a hash of its text so processes of different Lantern
 * versions never read each other's; written to a temporary name and renamed so a
 * second process never reads half of it.
 */
async function namespaceConfigFile(): Promise<string> {
  const hash = createHash('sha256').update(LANTERN_NAMESPACE_CONFIG).digest('hex').slice(0, 12);
  const folder = join(tmpdir(), 'lantern-exiftool');
  const file = join(folder, `lantern-${hash}.config`);
  if (existsSync(file)) return file;
  await mkdir(folder, { recursive: true });
  const partial = `${file}.${process.pid}.tmp`;
  await writeFile(partial, LANTERN_NAMESPACE_CONFIG);
  await rename(partial, file);
  return file;
}

let started: Promise<ExifTool> | undefined;

/**
 * The shared ExifTool, started on first call. LANTERN_EXIFTOOL names another exiftool
 * script to run instead of the vendored one (a distribution's package, or a test of the
 * missing case).
 */
export function sharedExiftool(): Promise<ExifTool> {
  started ??= startExiftool().catch((error: unknown) => {
    started = undefined; // the next call tries again (Perl may have been installed since)
    throw error;
  });
  return started;
}

function cannotStart(cause: unknown): XmpError {
  return new XmpError(
    'EXIFTOOL_MISSING',
    'ExifTool could not start, so Lantern cannot read or write XMP sidecars; install Perl ' +
      '(it runs the bundled exiftool script) or reinstall Lantern, then try again.',
    { cause },
  );
}

async function startExiftool(): Promise<ExifTool> {
  const { DefaultExiftoolArgs, ExifTool, exiftoolPath } = loadExiftoolVendored();
  const config = await namespaceConfigFile();
  const script = process.env['LANTERN_EXIFTOOL'] || (await exiftoolPath());
  // batch-cluster spawns without an 'error' listener on the child, so a script that is
  // missing or not executable crashes node with an unhandled ENOENT/EACCES (seen with
  // exiftool-vendored 35.21.0). Checking first turns that into a sentence. Windows runs
  // the vendored .exe, where the execute bit means nothing.
  try {
    await access(script, process.platform === 'win32' ? constants.R_OK : constants.X_OK);
  } catch (error) {
    throw cannotStart(error);
  }
  const exiftool = new ExifTool({
    maxProcs: 1,
    exiftoolPath: script,
    exiftoolArgs: ['-config', config, ...DefaultExiftoolArgs],
  });
  try {
    // The process starts lazily inside batch-cluster; asking for the version makes a
    // missing Perl or script fail here, with a sentence, rather than in the first write.
    await exiftool.version();
    return exiftool;
  } catch (error) {
    await exiftool.end().catch(() => undefined);
    throw cannotStart(error);
  }
}

/** Ends the ExifTool process (if one was started) so node can exit. Safe to call twice. */
export async function endExiftool(): Promise<void> {
  const running = started;
  started = undefined;
  if (!running) return;
  const exiftool = await running.catch(() => undefined);
  await exiftool?.end();
}
