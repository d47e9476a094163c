/** Enrolls this machine with a node: `POST /api/agents/enroll` with the shared secret or a one-time code. */
export async function enroll(server: string, hostname: string, credential: { secret?: string; code?: string; attachCode?: string }): Promise<{ agentId: string; token: string }> {
  const res = await fetch(new URL('/api/agents/enroll', server), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ hostname, ...credential }),
  });
  const body = (await res.json().catch(() => ({}))) as { agentId?: string; token?: string; code?: string; message?: string };
  if (!res.ok || !body.agentId || !body.token) {
    throw new Error(`enrollment refused by ${server}: ${res.status} ${body.code ?? ''} ${body.message ?? ''}`.trim());
  }
  return { agentId: body.agentId, token: body.token };
}
