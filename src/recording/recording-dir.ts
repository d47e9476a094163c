import { isAbsolute, join, resolve } from 'node:path';
import type { TandemConfig } from '../config/config.schema';
import { PROJECT_ROOT } from '../config/load-config';

/**
 * The directory of the local recording store: recording.dir (relative to the project root, like
 * node.dataDir), else `<node.dataDir>/recordings`. In a cluster it is a shared directory, so the
 * command shells' transcripts live under it too (`transcripts/`): any node hands them out.
 */
export function recordingDir(config: TandemConfig): string {
  const dir = config.recording.dir;
  if (!dir) return join(config.node.dataDir, 'recordings');
  return isAbsolute(dir) ? dir : resolve(PROJECT_ROOT, dir);
}
