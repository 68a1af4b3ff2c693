import { createServer, IncomingMessage, request, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A part PUT that reached the proxy: forwarded to the storage, or cut by `failPut`. */
export interface PartPut {
  partNumber: number;
  forwarded: boolean;
  /** The storage's answer, once it came. */
  status?: number;
}

/**
 * A plain HTTP proxy in front of the local S3 server that counts the part PUTs (the api's
 * presigned URLs point at it when it is the stack's S3_ENDPOINT). Requests are forwarded with
 * their Host header, so SigV4 signatures made for the proxy's address still check. `failPut`
 * cuts a PUT's connection before it reaches the storage: a real network failure for the client.
 */
export class S3CountingProxy {
  readonly puts: PartPut[] = [];
  /** Every request that reached the proxy, as "METHOD path?query". */
  readonly requests: string[] = [];
  /** Return true to cut the connection of this part PUT instead of forwarding it. */
  failPut: (partNumber: number) => boolean = () => false;
  private server!: Server;

  private constructor(private readonly target: URL) {}

  static async start(targetEndpoint: string): Promise<S3CountingProxy> {
    const proxy = new S3CountingProxy(new URL(targetEndpoint));
    proxy.server = createServer((req, res) => proxy.handle(req, res));
    await new Promise<void>((resolve) => proxy.server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  get endpoint(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Part numbers of the PUTs that reached the storage, in arrival order. */
  forwardedParts(): number[] {
    return this.puts.filter((p) => p.forwarded).map((p) => p.partNumber);
  }

  /** Part numbers of the PUTs the storage answered 200 (the parts it stored), in answer order. */
  storedParts(): number[] {
    return this.puts.filter((p) => p.status === 200).map((p) => p.partNumber);
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const partNumber = Number(
      new URL(req.url ?? '/', this.endpoint).searchParams.get('partNumber'),
    );
    this.requests.push(`${req.method} ${req.url}`);
    const isPartPut = req.method === 'PUT' && partNumber > 0;
    if (isPartPut && this.failPut(partNumber)) {
      this.puts.push({ partNumber, forwarded: false });
      req.socket.destroy();
      return;
    }
    const put: PartPut | undefined = isPartPut ? { partNumber, forwarded: true } : undefined;
    if (put) this.puts.push(put);
    const upstream = request(
      {
        host: this.target.hostname,
        port: this.target.port,
        method: req.method,
        path: req.url,
        headers: req.headers,
      },
      (reply) => {
        if (put) put.status = reply.statusCode;
        res.writeHead(reply.statusCode ?? 502, reply.headers);
        reply.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  }

  stop(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
