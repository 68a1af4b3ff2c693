// @ts-check
'use strict';
// Publishes the bull queue depths as CloudWatch metrics, once a minute (EventBridge schedule).
// The worker service scales on TaskService/QueueDepth divided by its running task count.
//
// No dependencies on purpose: this file is the whole Lambda asset (no bundling step at synth, so
// `cdk synth` stays offline and fast). It speaks just enough RESP to send LLEN/ZCARD, and emits the
// metrics as CloudWatch embedded-metric-format (EMF) log lines, so it needs no AWS SDK call and no
// cloudwatch:PutMetricData permission: CloudWatch Logs turns those lines into metrics.
//
// bull 4 keys are `${prefix}:${queue}:${state}`: `wait` and `paused` are lists of jobs ready to run
// (prioritised jobs sit in `wait` too), `active` a list of running jobs, `delayed` a sorted set of
// jobs waiting for a retry backoff or a delay.

const net = require('node:net');
const tls = require('node:tls');

/**
 * Encodes one command as a RESP array of bulk strings.
 * @param {string[]} args
 * @returns {string}
 */
function encodeCommand(args) {
  let out = `*${args.length}\r\n`;
  for (const arg of args) out += `$${Buffer.byteLength(arg)}\r\n${arg}\r\n`;
  return out;
}

/**
 * Parses as many complete RESP replies (integer, simple string, error, bulk string) as `buf` holds.
 * An error reply becomes an Error value. Returns the replies and the unparsed remainder.
 * @param {Buffer} buf
 * @returns {{ replies: Array<number | string | null | Error>, rest: Buffer }}
 */
function parseReplies(buf) {
  /** @type {Array<number | string | null | Error>} */
  const replies = [];
  let pos = 0;
  for (;;) {
    const eol = buf.indexOf('\r\n', pos);
    if (eol < 0) break;
    const type = String.fromCharCode(buf[pos]);
    const line = buf.toString('utf8', pos + 1, eol);
    if (type === ':') {
      replies.push(Number(line));
      pos = eol + 2;
    } else if (type === '+') {
      replies.push(line);
      pos = eol + 2;
    } else if (type === '-') {
      replies.push(new Error(line));
      pos = eol + 2;
    } else if (type === '$') {
      const len = Number(line);
      if (len < 0) {
        replies.push(null);
        pos = eol + 2;
        continue;
      }
      if (buf.length < eol + 2 + len + 2) break;
      replies.push(buf.toString('utf8', eol + 2, eol + 2 + len));
      pos = eol + 2 + len + 2;
    } else {
      throw new Error(`unexpected RESP reply type ${JSON.stringify(type)}`);
    }
  }
  return { replies, rest: buf.subarray(pos) };
}

/**
 * The commands that count one queue's jobs, in the order `countsFromReplies` reads them.
 * @param {string} prefix
 * @param {string} queue
 * @returns {string[][]}
 */
function queueCommands(prefix, queue) {
  const key = (/** @type {string} */ state) => `${prefix}:${queue}:${state}`;
  return [
    ['LLEN', key('wait')],
    ['LLEN', key('paused')],
    ['LLEN', key('active')],
    ['ZCARD', key('delayed')],
  ];
}

/**
 * @typedef {{ queue: string, waiting: number, active: number, delayed: number }} QueueCounts
 */

/**
 * Sends commands pipelined on one connection and resolves with one reply per command.
 * @param {{ host: string, port: number, tls: boolean, timeoutMs: number }} target
 * @param {string[][]} commands
 * @returns {Promise<Array<number | string | null | Error>>}
 */
function sendPipelined(target, commands) {
  return new Promise((resolve, reject) => {
    const socket = target.tls
      ? tls.connect({ host: target.host, port: target.port, servername: target.host })
      : net.connect({ host: target.host, port: target.port });
    /** @type {Array<number | string | null | Error>} */
    const replies = [];
    /** @type {Buffer} */
    let pending = Buffer.alloc(0);
    let settled = false;
    /** @param {Error | null} err */
    const finish = (err) => {
      if (settled) return;
      settled = true;
      socket.destroy();
      if (err) reject(err);
      else resolve(replies);
    };
    socket.setTimeout(target.timeoutMs, () =>
      finish(new Error(`redis timed out after ${target.timeoutMs} ms`)),
    );
    socket.once(target.tls ? 'secureConnect' : 'connect', () => {
      socket.write(commands.map(encodeCommand).join(''));
    });
    socket.on('data', (chunk) => {
      try {
        const parsed = parseReplies(Buffer.concat([pending, chunk]));
        pending = parsed.rest;
        replies.push(...parsed.replies);
        if (replies.length >= commands.length) finish(null);
      } catch (err) {
        finish(/** @type {Error} */ (err));
      }
    });
    socket.on('error', (err) => finish(err));
    socket.on('close', () =>
      finish(new Error(`redis closed the connection after ${replies.length} replies`)),
    );
  });
}

/**
 * Reads waiting/active/delayed counts of every queue from Redis.
 * @param {{ host: string, port: number, tls: boolean, timeoutMs: number, prefix: string, queues: string[] }} opts
 * @returns {Promise<QueueCounts[]>}
 */
async function readQueueCounts(opts) {
  const commands = opts.queues.flatMap((q) => queueCommands(opts.prefix, q));
  const replies = await sendPipelined(opts, commands);
  return opts.queues.map((queue, i) => {
    const [wait, paused, active, delayed] = replies.slice(i * 4, i * 4 + 4).map((reply, j) => {
      if (typeof reply !== 'number') {
        const what = reply instanceof Error ? reply.message : JSON.stringify(reply);
        throw new Error(`${commands[i * 4 + j].join(' ')}: expected an integer, got ${what}`);
      }
      return reply;
    });
    return { queue, waiting: wait + paused, active, delayed };
  });
}

/**
 * EMF documents: one with the totals (dimension Deployment; QueueDepth is what the workers scale on)
 * and one per queue (dimensions Deployment, Queue) for dashboards.
 * @param {QueueCounts[]} counts
 * @param {{ namespace: string, deployment: string, timestamp: number }} opts
 * @returns {object[]}
 */
function emfDocuments(counts, opts) {
  const metrics = [
    { Name: 'QueueDepth', Unit: 'Count' },
    { Name: 'ActiveJobs', Unit: 'Count' },
    { Name: 'DelayedJobs', Unit: 'Count' },
  ];
  /** @param {string[]} dimensions @param {Record<string, string | number>} fields */
  const doc = (dimensions, fields) => ({
    _aws: {
      Timestamp: opts.timestamp,
      CloudWatchMetrics: [
        { Namespace: opts.namespace, Dimensions: [dimensions], Metrics: metrics },
      ],
    },
    Deployment: opts.deployment,
    ...fields,
  });
  const sum = (/** @type {'waiting' | 'active' | 'delayed'} */ k) =>
    counts.reduce((n, c) => n + c[k], 0);
  return [
    doc(['Deployment'], {
      QueueDepth: sum('waiting'),
      ActiveJobs: sum('active'),
      DelayedJobs: sum('delayed'),
    }),
    ...counts.map((c) =>
      doc(['Deployment', 'Queue'], {
        Queue: c.queue,
        QueueDepth: c.waiting,
        ActiveJobs: c.active,
        DelayedJobs: c.delayed,
      }),
    ),
  ];
}

/**
 * Reads the Lambda's settings from its environment (set by the CDK stack).
 * @param {NodeJS.ProcessEnv} env
 */
function settingsFrom(env) {
  const required = (/** @type {string} */ name) => {
    const v = env[name];
    if (!v) throw new Error(`missing environment variable ${name}`);
    return v;
  };
  return {
    host: required('REDIS_HOST'),
    port: Number(required('REDIS_PORT')),
    tls: env.REDIS_TLS !== 'false',
    timeoutMs: Number(env.REDIS_TIMEOUT_MS || 5000),
    prefix: required('QUEUE_PREFIX'),
    queues: required('QUEUE_NAMES')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    namespace: required('METRIC_NAMESPACE'),
    deployment: required('DEPLOYMENT'),
  };
}

/**
 * Reads the counts and writes the EMF lines. Throws when Redis cannot be read, so the invocation counts
 * as an error and the metric has a gap (target tracking then holds the worker count) instead of a false zero.
 * @param {{ env?: NodeJS.ProcessEnv, write?: (line: string) => void, now?: () => number }} [deps]
 */
async function publishQueueDepth(deps = {}) {
  const settings = settingsFrom(deps.env || process.env);
  const write = deps.write || ((line) => process.stdout.write(line));
  const counts = await readQueueCounts(settings);
  const timestamp = (deps.now || Date.now)();
  for (const d of emfDocuments(counts, { ...settings, timestamp })) write(JSON.stringify(d) + '\n');
  return counts;
}

/** Lambda entry point (scheduled event; the event carries nothing we use). */
async function handler() {
  return publishQueueDepth();
}

module.exports = {
  encodeCommand,
  parseReplies,
  queueCommands,
  readQueueCounts,
  emfDocuments,
  settingsFrom,
  publishQueueDepth,
  handler,
};
