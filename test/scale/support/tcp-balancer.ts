import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';

/**
 * A round-robin TCP load balancer on loopback: each new connection goes to the next upstream port, skipping
 * ones that refuse it (a killed process). No HTTP awareness, no stickiness, no health checks: any load
 * balancer does at least this much, so what works through it works behind a real one.
 */
export class TcpBalancer {
  readonly #server: Server;
  readonly #upstreams: number[];
  readonly #sockets = new Set<Socket>();
  #next = 0;
  /** Connections handed to each upstream port. */
  readonly routed = new Map<number, number>();

  private constructor(server: Server, upstreams: number[]) {
    this.#server = server;
    this.#upstreams = upstreams;
  }

  /** Listens on a free loopback port in front of `upstreams`. */
  static async start(upstreams: readonly number[]): Promise<TcpBalancer> {
    const server = createServer();
    const balancer = new TcpBalancer(server, [...upstreams]);
    server.on('connection', (client) => balancer.#route(client));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    return balancer;
  }

  get port(): number {
    return (this.#server.address() as AddressInfo).port;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Stops listening and cuts every proxied connection. */
  async close(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #route(client: Socket): void {
    this.#track(client);
    client.pause();
    this.#dial(client, 0);
  }

  /** Tries the next upstream; after every one refused, drops the client (it retries, as a browser does). */
  #dial(client: Socket, tried: number): void {
    if (tried >= this.#upstreams.length || client.destroyed) {
      client.destroy();
      return;
    }
    const port = this.#upstreams[this.#next++ % this.#upstreams.length]!;
    const upstream = connect({ host: '127.0.0.1', port });
    this.#track(upstream);
    let connected = false;
    upstream.once('connect', () => {
      connected = true;
      this.routed.set(port, (this.routed.get(port) ?? 0) + 1);
      client.pipe(upstream);
      upstream.pipe(client);
      client.resume();
    });
    upstream.on('error', () => {
      if (!connected) this.#dial(client, tried + 1);
    });
    // Either side gone: the other goes too (a killed process's streams end, and their clients reconnect).
    upstream.on('close', () => {
      if (connected) client.destroy();
    });
    client.on('close', () => upstream.destroy());
    client.on('error', () => upstream.destroy());
  }

  #track(socket: Socket): void {
    this.#sockets.add(socket);
    socket.once('close', () => this.#sockets.delete(socket));
  }
}
