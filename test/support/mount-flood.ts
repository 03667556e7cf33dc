import { WebSocket } from 'ws';

/** What {@link floodMounts} sends. */
export interface MountFloodPlan {
  /** Sockets opened in all, each without a cookie, so each is a fresh session. */
  sessions: number;
  /** Mounts each session sends, pipelined, each naming an instance nobody named before. */
  perSession: number;
  /** Sessions flooding at once. */
  concurrency: number;
  type: string;
  /** Instance names are `<prefix>-<session>-<n>`. */
  prefix: string;
  /** Give up after this long (default 60 s). */
  timeoutMs?: number;
}

/** How the mounts were answered: acknowledged (the instance exists now), or refused by code. */
export interface MountFloodResult {
  acked: number;
  refused: Record<string, number>;
}

/**
 * Mounts many distinct instances from many fresh sessions over raw WebSockets, as an attacker growing the
 * store would, and resolves once every mount is answered (its ack or its error, counted, not kept).
 *
 * @example
 * const result = await floodMounts('ws://127.0.0.1:3000/nasc/ws', { sessions: 500, perSession: 100, concurrency: 20, type: 'Doc', prefix: 'x' });
 */
export async function floodMounts(wsUrl: string, plan: MountFloodPlan): Promise<MountFloodResult> {
  const result: MountFloodResult = { acked: 0, refused: {} };
  const deadline = Date.now() + (plan.timeoutMs ?? 60_000);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < plan.sessions) await floodOne(wsUrl, plan, next++, deadline, result);
  };
  await Promise.all(Array.from({ length: Math.min(plan.concurrency, plan.sessions) }, worker));
  return result;
}

function floodOne(wsUrl: string, plan: MountFloodPlan, session: number, deadline: number, result: MountFloodResult): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`${wsUrl}?clientId=mount-flood-${session}`);
    let answered = 0;
    const timer = setTimeout(() => {
      socket.terminate();
      reject(new Error(`mount flood, session ${session}: ${answered} of ${plan.perSession} mounts answered before the deadline`));
    }, Math.max(0, deadline - Date.now()));
    socket.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    socket.on('open', () => {
      for (let i = 0; i < plan.perSession; i++) {
        const instance = `${plan.prefix}-${session}-${i}`;
        socket.send(JSON.stringify({ event: 'mount', type: plan.type, instance, payload: {}, eventId: `m-${i}` }));
      }
    });
    socket.on('message', (data) => {
      for (const patch of JSON.parse(data.toString()) as { action: string; eventId?: string; code?: string }[]) {
        if (patch.eventId === undefined) continue;
        if (patch.action === 'ack') result.acked += 1;
        else if (patch.action === 'error') result.refused[patch.code ?? '?'] = (result.refused[patch.code ?? '?'] ?? 0) + 1;
        else continue;
        answered += 1;
      }
      if (answered < plan.perSession) return;
      clearTimeout(timer);
      socket.once('close', () => resolve());
      socket.close();
    });
  });
}
