import type { NextFunction, Request, Response } from 'express';
import type { Socket } from 'node:net';

/**
 * How long a connection whose request body was refused keeps draining after the answer, at most.
 * Long enough for a busy client to read the answer; short enough that a client trickling a huge
 * body cannot keep it.
 */
export const UNREAD_BODY_LINGER_MS = 5000;

/**
 * Any error answer (4xx, 5xx) sent before the request body was read closes the connection: keeping
 * it would mean reading and discarding the whole rest of the body (gigabytes of a refused upload)
 * just to reuse the socket. The close is graceful, see `lingerOnClose`.
 */
export function closeUnreadBody(lingerMs = UNREAD_BODY_LINGER_MS) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const writeHead = res.writeHead.bind(res) as (...args: unknown[]) => Response;
    res.writeHead = ((...args: unknown[]) => {
      if (Number(args[0]) >= 400 && bodyUnread(req)) {
        res.setHeader('Connection', 'close');
        lingerOnClose(req, req.socket, lingerMs);
      }
      return writeHead(...args);
    }) as Response['writeHead'];
    next();
  };
}

function bodyUnread(req: Request): boolean {
  const declared =
    req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length']) > 0;
  return declared && !req.complete;
}

/**
 * After the last answer on a `Connection: close` socket Node calls `destroySoon()`: end, then
 * destroy as soon as the answer is handed to the kernel. Closing a socket with unread bytes (the
 * rest of the body, still arriving) makes the kernel send a reset, which can drop our answer before
 * the client has read it: the client saw "connection reset" instead of its 413 on a busy machine.
 * Instead: send the answer and a FIN (half-close), keep reading and discarding what the client
 * still sends, and close when the client closes its side, or after `lingerMs` at most.
 */
function lingerOnClose(req: Request, socket: Socket, lingerMs: number): void {
  const lingering = socket as Socket & { destroySoon?: () => void };
  lingering.destroySoon = () => {
    if (socket.writable) socket.end();
    const timer = setTimeout(() => socket.destroy(), lingerMs);
    timer.unref();
    socket.once('close', () => clearTimeout(timer));
    // The body may have been paused or unpiped by a handler that gave up on it: discard the rest.
    req.resume();
  };
}
