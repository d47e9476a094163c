import WebSocket from 'ws';

/**
 * Sends a capture's frames as one socket write: the socket is corked while ws frames them and
 * uncorked on the next tick (one syscall instead of one per tile).
 */
export function sendCorked(ws: WebSocket | undefined, frames: Uint8Array[]): void {
  if (!ws || ws.readyState !== WebSocket.OPEN) return;
  const socket = (ws as unknown as { _socket?: { cork(): void; uncork(): void } })._socket;
  socket?.cork();
  for (const f of frames) ws.send(f, { binary: true });
  if (socket) process.nextTick(() => socket.uncork());
}
