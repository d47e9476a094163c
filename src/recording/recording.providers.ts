import { isAbsolute, join, resolve } from 'node:path';
import type { Provider, Type } from '@nestjs/common';
import { RecordingsController } from '../admin/recordings.controller';
import type { TandemConfig } from '../config/config.schema';
import { PROJECT_ROOT } from '../config/load-config';
import { RecordingHandlers } from '../gateways/sessions/recording.handlers';
import { LocalDirectoryStore } from './local-directory-store';
import { RECORDING_STORE } from './recording-store';
import { SessionRecorder } from './session-recorder';

/** The directory of the local recording store: recording.dir (relative to the project root, like node.dataDir), else `<node.dataDir>/recordings`. */
export function recordingDir(config: TandemConfig): string {
  const dir = config.recording.dir;
  if (!dir) return join(config.node.dataDir, 'recordings');
  return isAbsolute(dir) ? dir : resolve(PROJECT_ROOT, dir);
}

/** Session recording: the store, the recorder and the recording.start/stop commands. Spread into AppModule's providers. */
export function recordingProviders(config: TandemConfig): Provider[] {
  return [{ provide: RECORDING_STORE, useValue: new LocalDirectoryStore(recordingDir(config)) }, SessionRecorder, RecordingHandlers];
}

export const recordingControllers: Type[] = [RecordingsController];
