import type { Provider, Type } from '@nestjs/common';
import { RecordingsController } from '../admin/recordings.controller';
import { TranscriptsController } from '../admin/transcripts.controller';
import type { TandemConfig } from '../config/config.schema';
import { RecordingHandlers } from '../gateways/sessions/recording.handlers';
import { LocalDirectoryStore } from './local-directory-store';
import { recordingDir } from './recording-dir';
import { RECORDING_STORE } from './recording-store';
import { SessionRecorder } from './session-recorder';

/** Session recording: the store, the recorder and the recording.start/stop commands. Spread into AppModule's providers. */
export function recordingProviders(config: TandemConfig): Provider[] {
  return [{ provide: RECORDING_STORE, useValue: new LocalDirectoryStore(recordingDir(config)) }, SessionRecorder, RecordingHandlers];
}

export const recordingControllers: Type[] = [RecordingsController, TranscriptsController];
