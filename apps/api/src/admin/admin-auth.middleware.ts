import type { NextFunction, Request, Response } from 'express';
import { presentedSecret, secretsEqual } from '../auth/secrets';

/** Guards the queue dashboard with ADMIN_TOKEN; browsers get a Basic prompt (any user name). */
export function adminAuth(token: string) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const secret = presentedSecret(req.headers.authorization);
    if (secret !== undefined && secretsEqual(secret, token)) return next();
    res.setHeader('WWW-Authenticate', 'Basic realm="queues", charset="UTF-8"');
    res.status(401).json({
      error:
        'admin token required: Authorization: Bearer <ADMIN_TOKEN> (or Basic, token as password)',
    });
  };
}
