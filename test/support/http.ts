import { pollUntil } from './poll';

export interface Reply<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
  bytes: Buffer;
}

/** fetch that reads the whole body, parses JSON when the reply says it is JSON. */
export async function http<T = Record<string, unknown>>(
  url: string,
  init: RequestInit = {},
): Promise<Reply<T>> {
  const res = await fetch(url, init);
  const bytes = Buffer.from(await res.arrayBuffer());
  const isJson = res.headers.get('content-type')?.includes('application/json');
  return {
    status: res.status,
    headers: res.headers,
    bytes,
    body: (isJson ? JSON.parse(bytes.toString()) : undefined) as T,
  };
}

/** Polls a task's status until it is finished or errored; returns the final status body. */
export async function waitForTask(
  base: string,
  kind: 'randomize' | 'even-sum',
  token: string,
  timeoutMs = 60_000,
  headers: Record<string, string> = {},
): Promise<Record<string, unknown>> {
  return pollUntil(
    async () => {
      const { body } = await http(`${base}/${kind}/${token}/status`, { headers });
      return body.status === 'finished' || body.status === 'errored' ? body : undefined;
    },
    timeoutMs,
    `task ${token} to end`,
  );
}
