import { WebSocket } from 'ws';

/** What {@link floodEvents} sends. */
export interface FloodPlan {
  /** Sockets opened in all, each without a cookie, so each is a fresh session. */
  sessions: number;
  /** Sessions flooding at once (default: all of them). */
  concurrency?: number;
  /** Events each session sends, pipelined, every one with its own id. */
  perSession: number;
  type: string;
  instance: string;
  /** The event (one that needs no mount, e.g. a no-op). */
  event: string;
  /** Give up after this long (default 60 s). */
  timeoutMs?: number;
}

/**
 * Sends many events from many fresh sessions over raw WebSockets, as an attacker would, and resolves once
 * every one is answered (acks and errors counted, not kept: the flood is larger than a test should hold).
 * Resolves with the number of acks.
 *
 * @example
 * await floodEvents(server, { sessions: 4, perSession: 30_000, type: 'Doc', instance: 'shared', event: 'same' });
 */
export async function floodEvents(server: { readonly wsBaseUrl: string }, plan: FloodPlan): Promise<number> {
  const deadline = Date.now() + (plan.timeoutMs ?? 60_000);
  let next = 0;
  let acks = 0;
  const worker = async (): Promise<void> => {
    while (next < plan.sessions) {
      const answered = await floodOne(server, plan, next++, deadline);
      acks += answered;
    }
  };
  await Promise.all(Array.from({ length: Math.min(plan.concurrency ?? plan.sessions, plan.sessions) }, worker));
  return acks;
}

function floodOne(server: { readonly wsBaseUrl: string }, plan: FloodPlan, index: number, deadline: number): Promise<number> {
  const tag = `flood-${process.pid}-${index}-${Math.random().toString(36).slice(2)}`;
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`${server.wsBaseUrl}/nasc/ws?clientId=${tag}`);
    let answered = 0;
    let acks = 0;
    const timer = setTimeout(() => {
      socket.terminate();
      reject(new Error(`flood ${index}: ${answered} of ${plan.perSession} events answered before the deadline`));
    }, Math.max(0, deadline - Date.now()));
    socket.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    socket.on('open', () => {
      for (let i = 0; i < plan.perSession; i++) {
        socket.send(JSON.stringify({ event: plan.event, type: plan.type, instance: plan.instance, payload: {}, eventId: `${tag}-${i}` }));
      }
    });
    socket.on('message', (data) => {
      const text = data.toString();
      acks += text.split('"action":"ack"').length - 1;
      answered += text.split('"eventId":').length - 1;
      if (answered < plan.perSession) return;
      clearTimeout(timer);
      socket.close();
      resolve(acks);
    });
  });
}
