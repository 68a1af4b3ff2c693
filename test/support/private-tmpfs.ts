import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Runs a command with a small tmpfs of its own on one directory, where this machine allows it.
 *
 * The command runs in a new mount namespace (`unshare --mount`, private propagation): the tmpfs
 * exists only for it and vanishes with it, so nothing is mounted on the host and nothing needs
 * unmounting, even after a SIGKILL. A normal user gets the right to mount through a user namespace
 * (`--user --map-root-user`: root inside maps to the caller outside); root without user namespaces
 * (some containers) mounts directly. Others see the directory through `/proc/<pid>/root/<dir>`.
 */
export type PrivateTmpfs =
  | {
      available: true;
      /** How the namespace is made here, for messages. */
      how: string;
      /** The command line that runs `argv` with a tmpfs of `size` (e.g. '1m') mounted on `dir`. */
      wrap(dir: string, size: string, argv: string[]): string[];
    }
  | { available: false; reason: string };

// The mount happens in the namespace, then the shell becomes the command (exec): same pid, so a
// signal to the spawned process reaches the command itself.
const MOUNT_THEN_EXEC = 'mount -t tmpfs -o "size=$2" tmpfs "$1" && shift 2 && exec "$@"';

const WAYS: { how: string; unshare: string[] }[] = [
  {
    how: 'user + mount namespace (no root needed)',
    unshare: ['--user', '--map-root-user', '--mount'],
  },
  { how: 'mount namespace (as root)', unshare: ['--mount'] },
];

const wrapWith =
  (unshare: string[]) =>
  (dir: string, size: string, argv: string[]): string[] => [
    'unshare',
    ...unshare,
    'sh',
    '-c',
    MOUNT_THEN_EXEC,
    'sh',
    dir,
    size,
    ...argv,
  ];

/** Finds the first way that really mounts a tmpfs here (tried with `true`), or says why none does. */
export function privateTmpfs(): PrivateTmpfs {
  const dir = mkdtempSync(join(tmpdir(), 'tasks-tmpfs-probe-'));
  const failures: string[] = [];
  try {
    for (const way of WAYS) {
      const [command, ...args] = wrapWith(way.unshare)(dir, '64k', ['true']);
      const probe = spawnSync(command, args, { encoding: 'utf8', timeout: 10_000 });
      if (probe.status === 0) return { available: true, how: way.how, wrap: wrapWith(way.unshare) };
      const why = probe.error?.message ?? probe.stderr.trim().split('\n').pop() ?? '';
      failures.push(`${way.how}: ${why || `exit ${probe.status}`}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return { available: false, reason: failures.join('; ') };
}

/** A path under which another process's view of its file system (its mount namespace) is read. */
export function seenBy(pid: number, path: string): string {
  return `/proc/${pid}/root${path}`;
}
