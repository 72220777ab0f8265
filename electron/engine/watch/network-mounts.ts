/**
 * @file Which file system a folder lives on (engine, plain Node), to decide how to watch
 * it: network shares give no native change events (an NFS or SMB server never tells the
 * client's inotify what another machine wrote), so their roots are polled instead.
 * Linux only: elsewhere the answer is "unknown" and the folder is watched natively, with
 * polling as the fallback when native watching fails.
 */
import { readFile, realpath } from 'node:fs/promises';
import path from 'node:path';

/** File system types whose changes made elsewhere never reach native events. */
const NETWORK_TYPE =
  /^(nfs\d?|cifs|smb\w*|afpfs|ncpfs|9p|ceph|glusterfs|lustre|davfs|fuse\.(sshfs|rclone|s3fs|davfs2|gvfsd-fuse|curlftpfs|glusterfs|cephfs)|sshfs)$/;

export interface MountEntry {
  mountPoint: string;
  type: string;
}

/** `/proc/mounts` lines: "device mountpoint type options 0 0", spaces escaped as \040. */
export function parseMounts(text: string): MountEntry[] {
  return text
    .split('\n')
    .map((line) => line.split(' '))
    .filter((fields) => fields.length >= 3)
    .map((fields) => ({
      mountPoint: unescapeMountPath(fields[1] ?? ''),
      type: fields[2] ?? '',
    }));
}

function unescapeMountPath(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, octal: string) =>
    String.fromCharCode(parseInt(octal, 8)),
  );
}

/** The type of the mount that holds `folder` (the longest mount point above it). */
export function mountTypeOf(folder: string, mounts: readonly MountEntry[]): string | null {
  let best: MountEntry | null = null;
  for (const mount of mounts) {
    const inside =
      mount.mountPoint === folder ||
      mount.mountPoint === '/' ||
      folder.startsWith(mount.mountPoint + path.sep);
    if (inside && (!best || mount.mountPoint.length >= best.mountPoint.length)) best = mount;
  }
  return best?.type ?? null;
}

export function isNetworkType(type: string | null): boolean {
  return type !== null && NETWORK_TYPE.test(type);
}

/** The network file system type `folder` lives on (e.g. "nfs4", "cifs"), or null. */
export async function networkMountType(folder: string): Promise<string | null> {
  if (process.platform !== 'linux') return null;
  try {
    const [text, real] = await Promise.all([
      readFile('/proc/mounts', 'utf8'),
      realpath(folder).catch(() => path.resolve(folder)),
    ]);
    const type = mountTypeOf(real, parseMounts(text));
    return isNetworkType(type) ? type : null;
  } catch {
    return null; // no /proc (a container without it): watch natively, polling stays the fallback
  }
}
