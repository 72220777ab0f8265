/**
 * @file Which onnxruntime-node execution providers exist on this machine and in what
 * order Lantern tries them. Runs wherever the engine runs (utilityProcess, CLI, tests).
 *
 * [Note: provider choice] The preference is CUDA, DirectML, CoreML, WebGPU, then CPU
 * (DESIGN.md, Models). A provider is tried only if `listSupportedBackends()` lists it
 * for this build; one listed as not bundled (CUDA on Linux x64: its libraries are too
 * big for npm and are fetched by onnxruntime-node's install script from NuGet) is tried
 * only if its provider library sits next to the binding. Whatever is left is tried by
 * creating the session with it; a failure is recorded and the next one is tried, and
 * CPU always ends the list.
 *
 * Observed on Linux x64 without a GPU (onnxruntime-node 1.30.0): listSupportedBackends
 * reports cpu and webgpu bundled, cuda and tensorrt not bundled; asking for webgpu
 * fails within ~30 ms with "Failed to get a WebGPU adapter: No supported adapters"
 * (Dawn also prints a Vulkan warning on stderr), and CPU then runs in the same
 * process. So 'auto' does try WebGPU where it can work: a failed try is cheap, and
 * skipping it would hide the one GPU path Linux and macOS builds ship. On Linux, Dawn
 * reaches the GPU through Vulkan only; where no Vulkan loader or no GPU device node
 * exists, the try cannot succeed and would print Dawn's warning into a person's
 * terminal, so 'auto' skips it with that reason (asking for webgpu by name still tries).
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { ort } from './ort-module.js';
import { ortReason } from './errors.js';

export type ProviderName = 'cuda' | 'dml' | 'coreml' | 'webgpu' | 'cpu';

/** Fastest first (DESIGN.md, Models). */
export const PROVIDER_PREFERENCE: readonly ProviderName[] = [
  'cuda',
  'dml',
  'coreml',
  'webgpu',
  'cpu',
];

/** Narrows a setting or command-line value to a provider request. */
export function isProviderRequest(value: string): value is 'auto' | ProviderName {
  return value === 'auto' || (PROVIDER_PREFERENCE as readonly string[]).includes(value);
}

export interface ProviderInfo {
  name: string;
  /** Shipped inside the onnxruntime-node package. */
  bundled: boolean;
  /** Bundled, or its separately installed provider library is present. */
  installed: boolean;
}

/** Folder that holds the native binding and, when installed, the extra provider libraries. */
function bindingFolder(): string {
  const entry = createRequire(import.meta.url).resolve('onnxruntime-node'); // …/dist/index.js
  return join(dirname(entry), '..', 'bin', 'napi-v6', process.platform, process.arch);
}

/** File name ORT's provider bridge loads for a shared-library provider such as CUDA. */
export function providerLibraryName(name: string): string {
  if (process.platform === 'win32') return `onnxruntime_providers_${name}.dll`;
  if (process.platform === 'darwin') return `libonnxruntime_providers_${name}.dylib`;
  return `libonnxruntime_providers_${name}.so`;
}

function libraryPresent(name: string): boolean {
  try {
    return existsSync(join(bindingFolder(), providerLibraryName(name)));
  } catch {
    return false;
  }
}

/** The providers this onnxruntime-node build knows, as it reports them. */
export function describeProviders(): ProviderInfo[] {
  return ort()
    .listSupportedBackends()
    .map(({ name, bundled }) => ({
      name,
      bundled,
      installed: bundled || libraryPresent(name),
    }));
}

/** Where Linux distributions install the Vulkan loader Dawn opens. */
const VULKAN_LOADER_DIRS = [
  '/usr/lib/x86_64-linux-gnu',
  '/usr/lib/aarch64-linux-gnu',
  '/usr/lib64',
  '/usr/lib',
  '/usr/local/lib',
];

/** Why WebGPU cannot work on this Linux machine, or null when it may. */
export function linuxWebgpuObstacle(
  exists: (path: string) => boolean = existsSync,
  libraryPath: string = process.env.LD_LIBRARY_PATH ?? '',
): string | null {
  const dirs = [...libraryPath.split(':').filter(Boolean), ...VULKAN_LOADER_DIRS];
  if (!dirs.some((dir) => exists(join(dir, 'libvulkan.so.1')))) {
    return 'webgpu: the Vulkan loader (libvulkan.so.1) is not installed, so WebGPU has no way to reach a GPU.';
  }
  if (!exists('/dev/dri') && !exists('/dev/nvidia0')) {
    return 'webgpu: no GPU device (/dev/dri or /dev/nvidia0) on this machine.';
  }
  return null;
}

/** A provider worth trying, or the reason it is not. */
export type ProviderCandidate =
  { name: ProviderName; skip?: never } | { name: ProviderName; skip: string };

/** The providers to try, in order, for a request; skipped ones carry their reason. */
export function providerCandidates(request: 'auto' | ProviderName): ProviderCandidate[] {
  const known = new Map(describeProviders().map((p) => [p.name, p]));
  const wanted = request === 'auto' ? PROVIDER_PREFERENCE : [request, 'cpu' as const];
  const order = [...new Set(wanted)];
  return order.map((name): ProviderCandidate => {
    if (name === 'cpu') return { name };
    const info = known.get(name);
    if (!info) {
      return {
        name,
        skip: `${name}: not part of onnxruntime-node's build for ${process.platform}/${process.arch}.`,
      };
    }
    if (name === 'webgpu' && request === 'auto' && process.platform === 'linux') {
      const obstacle = linuxWebgpuObstacle();
      if (obstacle) return { name, skip: obstacle };
    }
    if (!info.installed) {
      return {
        name,
        skip: `${name}: supported but not bundled with onnxruntime-node, and its provider library (${providerLibraryName(name)}) is not installed.`,
      };
    }
    return { name };
  });
}

/** One readable line from an ORT provider failure (which may span lines and cite C++ sources). */
export function explainProviderFailure(name: ProviderName, error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const adapter = /Failed to get a WebGPU adapter: ([^\n]*)/.exec(message);
  if (adapter)
    return `${name}: no WebGPU adapter on this machine (${adapter[1]?.trim() ?? 'unknown'}).`;
  if (/Failed to load shared library/i.test(message)) {
    return `${name}: its provider library could not be loaded (drivers or runtime libraries missing).`;
  }
  return `${name}: failed to start (${ortReason(error)}).`;
}
