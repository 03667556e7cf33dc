import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * An HTTP proxy on loopback that sends each request to the upstream port `route` picks from its method and
 * path: the worst a load balancer without stickiness can do, every time (a stream on one process, the events
 * for it on another), where a round-robin TCP balancer does it only by chance. Responses, streams included,
 * are piped back as they come.
 */
export class PathRouter {
  readonly #server: Server;

  private constructor(server: Server) {
    this.#server = server;
  }

  /** Listens on a free loopback port. */
  static async start(route: (method: string, path: string) => number): Promise<PathRouter> {
    const server = createServer((incoming: IncomingMessage, outgoing: ServerResponse) => {
      const upstream = request(
        { host: '127.0.0.1', port: route(incoming.method ?? 'GET', incoming.url ?? '/'), method: incoming.method, path: incoming.url, headers: incoming.headers },
        (answer) => {
          outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(outgoing);
        },
      );
      upstream.on('error', () => outgoing.destroy());
      // A client that goes away (an EventSource closed) takes its upstream request with it.
      outgoing.on('close', () => upstream.destroy());
      incoming.pipe(upstream);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    return new PathRouter(server);
  }

  get url(): string {
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise((resolve) => this.#server.close(resolve));
  }
}
