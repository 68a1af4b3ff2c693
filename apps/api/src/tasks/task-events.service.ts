import {
  BeforeApplicationShutdown,
  Injectable,
  Logger,
  OnApplicationShutdown,
} from '@nestjs/common';
import type Redis from 'ioredis';
import type { EvenSumProgressView, TaskStatus } from '@app/tasks/contract';
import { InjectRedis, logRedisErrors, TaskRedis, withRedisTimeout } from '@app/tasks/redis';
import { TaskStore } from '@app/tasks/records';

/**
 * What the Lua scripts publish on a task's events channel (redis/scripts): a status transition or
 * an even-sum's progress, numbered by the record's `eventSeq`. `resync` is ours: the subscriber
 * reconnected and messages may have been lost meanwhile, so listeners re-read the record.
 */
export type TaskEventMessage =
  | { type: 'status'; seq: number; status: TaskStatus }
  | ({ type: 'progress'; seq: number } & EvenSumProgressView)
  | { type: 'resync'; seq: 0 };

type Listener = (message: TaskEventMessage) => void;

interface Channel {
  listeners: Set<Listener>;
  /** Resolves once Redis confirmed the subscription: messages published after it reach us. */
  subscribed: Promise<unknown>;
}

// A subscription Redis does not confirm in this time is answered 503, like any Redis call.
const SUBSCRIBE_TIMEOUT_MS = 2000;

/**
 * Task changes from Redis pub/sub, for every api process alike: whichever worker or api process
 * changes a task publishes in the same Lua step, so a long-poll or an event stream held by any api
 * process hears it. One subscriber connection per process, one SUBSCRIBE per task being watched
 * (counted, so a hundred streams of one task subscribe once).
 *
 * `closing` is aborted first thing at shutdown: long-polls answer and event streams end at once,
 * instead of holding the drain (HttpDrain) for their full wait.
 */
@Injectable()
export class TaskEvents implements BeforeApplicationShutdown, OnApplicationShutdown {
  private readonly logger = new Logger(TaskEvents.name);
  private readonly channels = new Map<string, Channel>();
  private readonly shutdown = new AbortController();
  private subscriber?: Redis;

  constructor(
    @InjectRedis() private readonly redis: TaskRedis,
    private readonly store: TaskStore,
  ) {}

  /** Aborted when the api starts shutting down. */
  get closing(): AbortSignal {
    return this.shutdown.signal;
  }

  /**
   * Calls `listener` with every message on `token`'s channel from now on (the promise resolves once
   * subscribed: read the record after it, not before, and no change falls in between). Returns the
   * function that stops listening.
   */
  async listen(token: string, listener: Listener): Promise<() => void> {
    const name = this.store.eventsKey(token);
    let channel = this.channels.get(name);
    if (!channel) {
      const subscribed = this.connection().subscribe(name);
      channel = { listeners: new Set(), subscribed };
      this.channels.set(name, channel);
      // Dropped on failure, so the next listener subscribes again.
      subscribed.catch(() => this.channels.get(name) === channel && this.channels.delete(name));
    }
    channel.listeners.add(listener);
    const stop = () => this.stop(name, channel, listener);
    try {
      await withRedisTimeout(channel.subscribed, SUBSCRIBE_TIMEOUT_MS);
    } catch (err) {
      stop();
      throw err;
    }
    return stop;
  }

  beforeApplicationShutdown(): void {
    this.shutdown.abort();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.subscriber?.quit().catch(() => this.subscriber?.disconnect());
  }

  private stop(name: string, channel: Channel, listener: Listener): void {
    channel.listeners.delete(listener);
    if (channel.listeners.size > 0 || this.channels.get(name) !== channel) return;
    this.channels.delete(name);
    // Commands on one connection run in order: a later SUBSCRIBE of the same channel comes after.
    this.subscriber?.unsubscribe(name).catch(() => undefined);
  }

  /** The subscriber connection, opened on first use (a connection in subscribe mode does nothing else). */
  private connection(): Redis {
    if (this.subscriber) return this.subscriber;
    // Queues commands while reconnecting (the shared client fails fast instead): SUBSCRIBE calls
    // are bounded by SUBSCRIBE_TIMEOUT_MS, and ioredis subscribes again after a reconnection.
    const subscriber = this.redis.duplicate({ enableOfflineQueue: true, lazyConnect: false });
    logRedisErrors(subscriber, 'task-events', this.logger);
    subscriber.on('message', (channel: string, json: string) => this.deliver(channel, json));
    let connectedBefore = false;
    subscriber.on('ready', () => {
      // Published while we were away is lost: every listener re-reads the record.
      if (connectedBefore) for (const name of this.channels.keys()) this.emit(name, RESYNC);
      connectedBefore = true;
    });
    this.subscriber = subscriber;
    return subscriber;
  }

  private deliver(channel: string, json: string): void {
    let message: TaskEventMessage;
    try {
      message = JSON.parse(json) as TaskEventMessage;
    } catch {
      return;
    }
    this.emit(channel, message);
  }

  private emit(channel: string, message: TaskEventMessage): void {
    for (const listener of this.channels.get(channel)?.listeners ?? []) listener(message);
  }
}

const RESYNC: TaskEventMessage = { type: 'resync', seq: 0 };
