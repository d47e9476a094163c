import type { AgentState } from './agent-config';
import type { ClipboardAccess } from './clipboard-follower';
import type { CustomerPrompt } from './customer-prompt';
import type { InputBlockAccess } from './input-block-follower';
import type { OverlaySurface } from './overlay';
import type { RtcPublisher } from './rtc-publisher';
import type { InputInjector, ScreenSource } from './screen-source';

/** What the desktop agent's connection (AgentClient) is given: its enrolment, the customer's prompt, the desktop's parts. */
export interface AgentClientOptions {
  state: AgentState;
  hello: { hostname: string; osUser: string; os: string; version: string; capabilities: string[] };
  prompt: CustomerPrompt;
  screen?: ScreenSource;
  injector?: InputInjector;
  /** Where technicians' pointers and annotations are drawn on the customer's screen (the X11 overlay). */
  overlay?: OverlaySurface;
  fps: number;
  quality: number;
  /** The desktop's clipboard (X11): followed and set only while the session is in interact. */
  clipboard?: ClipboardAccess;
  /** The WebRTC screen path (rtc.* events; docs/media.md, "WebRTC"); tiles only when absent. */
  rtc?: RtcPublisher;
  /** Blocking the customer's input (X11): applied as the session state says, only in interact. */
  inputBlock?: InputBlockAccess;
  /** Where accepted files are saved (default: $XDG_DOWNLOAD_DIR, else ~/Downloads). */
  downloadsDir?: string;
  /** Run when an elevated session is ended by the customer (sign-out / lock protects admin credentials). */
  lockCommand: string[];
  log: (line: string) => void;
  /** `tandem-agent join`: the click-to-chat session's one-time code, sent in the first hello only. */
  attachCode?: string;
  /** The server refused the attach code (its error code and message): the join is over. */
  onAttachRefused?: (code: string, message: string) => void;
  /** The session this agent was in has ended. */
  onSessionEnded?: (sessionId: string) => void;
  /** The owner disconnected this desktop from its session (`customer.disconnect`): the session goes on without it. */
  onDisconnected?: (sessionId: string) => void;
  /** Saves the state (installed Support Buttons, Jump Client enrolments) to the config file. */
  saveState?: (state: AgentState) => void;
  /** `tandem-agent support`: the installed Support Button to start a session with, once connected. */
  supportButton?: string;
  /** The server opened the Support Button's session (it waits in the button's queue). */
  onSupportStarted?: (sessionId: string, queue: unknown) => void;
  /** The server refused `support.start` (BUTTON_EXPIRED, UNKNOWN_BUTTON, AGENT_BUSY …). */
  onSupportRefused?: (code: string, message: string) => void;
}
