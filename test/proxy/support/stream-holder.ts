import type { NodeProcess } from '../../scale/support/cluster.js';
import { clusterCookie } from '../../scale/support/cluster.js';

/**
 * The process holding the stream of `clientId`, asked without a side effect: each process is sent an event
 * for a type that does not exist, under `clientId` but from another session. The holder refuses it first,
 * 403 `client_id_taken` (it binds the id to the session of the open stream); every other process answers
 * 404 `unknown_type`. Neither changes anything.
 */
export async function streamHolder(processes: readonly NodeProcess[], clientId: string): Promise<NodeProcess> {
  // One session for every probe: the processes share the secret, so a cookie from one is valid on all.
  const cookie = await clusterCookie(processes[0]!);
  const answers = await Promise.all(
    processes.map(async (node) => {
      const response = await fetch(`${node.baseUrl}/nasc/event`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Cookie: cookie },
        body: JSON.stringify({ type: 'NoSuchType', instance: 'probe', event: 'probe', payload: {}, eventId: `holder-probe-${Date.now()}`, clientId }),
        signal: AbortSignal.timeout(10_000),
      });
      const body = (await response.json()) as { code?: string };
      return { node, code: body.code ?? String(response.status) };
    }),
  );
  const holders = answers.filter((answer) => answer.code === 'client_id_taken');
  if (holders.length !== 1) {
    throw new Error(`expected one process to hold the stream of ${clientId}: ${answers.map(({ node, code }) => `${node.name} answered ${code}`).join(', ')}`);
  }
  return holders[0]!.node;
}
