/**
 * All-or-nothing output of a ceremony (GJKR 1999 DKG or a Desmedt–Jajodia / Wong–Wing–Wang resharing,
 * ./ceremony.ts) into a node directory, in the layout `dst create cluster` writes (../create.ts), so
 * `dst run --dir` starts it unchanged:
 *
 *   DIR/p2p-identity.key                  the operator's identity (`dst create identity`), untouched
 *   DIR/keys/keystore-share-<i>.json,.txt the new share, EIP-2335, mode 0600
 *   DIR/cluster-lock.json                 the signed lock (version 2), written last
 *   DIR/ceremony-transcript-epoch-<e>.json every broadcast envelope of the ceremony of epoch e
 *   DIR/cluster-definition.json           the DKG's definition (epoch 0)
 *   DIR/cluster-lock-epoch-<e>.json       after a reshare: the lock of the epoch before, kept for audit
 *
 * Everything is first written to a staging directory inside DIR (`.ceremony-*`, mode 0700); only when
 * it is complete do renames move it into place, the lock last (its presence means the directory is
 * complete, as with the dealer's). A failed ceremony leaves DIR as it was, but for the staging
 * directory, which is removed. A reshare replaces `keys/` and deletes the old share — with t old shares
 * the old operators could still sign under the same group key, so no old share may survive — and keeps
 * the database (`db/`) of an operator that stays. An operator that leaves gets the new lock and the
 * transcript and loses its old share.
 */
import { copyFile, mkdir, mkdtemp, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeShareKeystores, type KeyShare } from '../../crypto/index.js';
import { KEYS_DIR } from '../create.js';
import { CLUSTER_LOCK_FILE, formatClusterLock, type ClusterLock } from '../lock.js';
import { DEFINITION_FILE } from './definition.js';
import type { TranscriptFile } from './messages.js';

export const transcriptFileName = (epoch: number): string => `ceremony-transcript-epoch-${epoch}.json`;
export const archivedLockFileName = (epoch: number): string => `cluster-lock-epoch-${epoch}.json`;

export interface CeremonyOutput {
  readonly dir: string;
  readonly lock: ClusterLock;
  /** This operator's new share (absent for an old operator that leaves). */
  readonly share: KeyShare | undefined;
  readonly transcript: TranscriptFile;
  /** The DKG's definition text, kept next to the lock. */
  readonly definitionText?: string;
}

export async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}

/** Writes a ceremony's output into `output.dir` (see the module docblock). */
export async function writeCeremonyOutput(output: CeremonyOutput): Promise<void> {
  const { dir, lock } = output;
  const epoch = lock.epoch ?? 0;
  const stage = await mkdtemp(join(dir, '.ceremony-'));
  try {
    if (output.share !== undefined) {
      await mkdir(join(stage, KEYS_DIR), { mode: 0o700 });
      await writeShareKeystores(join(stage, KEYS_DIR), [output.share]);
    }
    await writeFile(join(stage, transcriptFileName(epoch)), `${JSON.stringify(output.transcript, null, 2)}\n`, { flag: 'wx' });
    if (output.definitionText !== undefined) await writeFile(join(stage, DEFINITION_FILE), output.definitionText, { flag: 'wx' });
    await writeFile(join(stage, CLUSTER_LOCK_FILE), formatClusterLock(lock), { flag: 'wx' });

    // Everything is written: move it into place, the lock last.
    const lockPath = join(dir, CLUSTER_LOCK_FILE);
    if (epoch > 0 && (await exists(lockPath))) await copyFile(lockPath, join(dir, archivedLockFileName(epoch - 1)));
    if (await exists(join(dir, KEYS_DIR))) await rename(join(dir, KEYS_DIR), join(stage, 'old-keys'));
    if (output.share !== undefined) await rename(join(stage, KEYS_DIR), join(dir, KEYS_DIR));
    await rename(join(stage, transcriptFileName(epoch)), join(dir, transcriptFileName(epoch)));
    if (output.definitionText !== undefined) await rename(join(stage, DEFINITION_FILE), join(dir, DEFINITION_FILE));
    await rename(join(stage, CLUSTER_LOCK_FILE), lockPath);
  } finally {
    // The staging directory, with the old share of a reshare, goes.
    await rm(stage, { recursive: true, force: true });
  }
}
