import type { Params } from 'nestjs-pino';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { AppConfig } from '../config';

const QUIET_ROUTES = /^\/(health|metrics)(\/|$|\?)/;

/** The one pino setup for both apps: service name, redaction, request ids, pretty only when asked. */
export function pinoOptions(config: AppConfig, service: 'api' | 'worker'): Params {
  return {
    pinoHttp: {
      level: config.logLevel,
      base: { service, pid: process.pid },
      redact: {
        // Keys and tokens never reach the logs.
        paths: ['req.headers.authorization', 'req.headers["x-api-key"]', 'req.headers.cookie'],
        censor: '[redacted]',
      },
      // A request id from the caller (proxy) is kept; otherwise we make one. It is echoed in the response.
      genReqId: (req, res) => {
        const given = req.headers['x-request-id'];
        const id =
          typeof given === 'string' && /^[\w.-]{1,128}$/.test(given) ? given : randomUUID();
        res.setHeader('x-request-id', id);
        return id;
      },
      autoLogging: { ignore: (req: IncomingMessage) => QUIET_ROUTES.test(req.url ?? '') },
      transport: config.logPretty
        ? { target: 'pino-pretty', options: { singleLine: true } }
        : undefined,
    },
  };
}
