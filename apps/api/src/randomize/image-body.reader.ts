import { Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { Gauge, Registry } from 'prom-client';
import { AppConfig, InjectConfig } from '@app/tasks/config';
import { BodyBudget, BodyReservation } from '../http/body-budget';
import { declaredLength, readBody, refuseBody } from '../http/read-body';

/**
 * Reads image bodies into memory within this process's byte budget (MAX_IMAGE_BYTES_IN_FLIGHT,
 * …_PER_CLIENT) and a deadline (IMAGE_BODY_TIMEOUT_MS), so no number or speed of clients can
 * take the api's memory or hold it for long.
 */
@Injectable()
export class ImageBodyReader {
  private readonly budget: BodyBudget;

  constructor(
    @InjectConfig() private readonly config: AppConfig,
    registry: Registry,
  ) {
    const budget = (this.budget = new BodyBudget({
      total: config.maxImageBytesInFlight,
      totalSetting: 'MAX_IMAGE_BYTES_IN_FLIGHT',
      perClient: config.maxImageBytesInFlightPerClient,
      perClientSetting: 'MAX_CLIENT_BYTES_IN_FLIGHT',
    }));
    new Gauge({
      name: 'image_body_bytes_in_flight',
      help: 'Image body bytes this api process has reserved (read or announced) right now',
      registers: [registry],
      collect() {
        this.set(budget.inFlight().bytes);
      },
    });
    new Gauge({
      name: 'image_body_clients_in_flight',
      help: 'Clients with image body bytes reserved in this api process right now',
      registers: [registry],
      collect() {
        this.set(budget.inFlight().clients);
      },
    });
  }

  /**
   * Reads the body of `req` for `client` and runs `use` on it; the bytes stay reserved until `use`
   * settles (the buffer is alive until then) and are given back on every path.
   */
  async read<T>(req: Request, client: string, use: (body: Buffer) => Promise<T>): Promise<T> {
    const limit = this.config.maxImageBytes;
    const declared = declaredLength(req, limit);
    // A declared length is reserved whole before a byte is read: an announced 20 MiB is what the
    // client can make this process hold. A chunked body (no length) is counted as it arrives.
    const reservation = this.reserve(req, client, declared ?? 0);
    try {
      const body = await readBody(req, limit, {
        deadlineMs: this.config.imageBodyTimeoutMs,
        deadlineSetting: 'IMAGE_BODY_TIMEOUT_MS',
        onBytes: declared === undefined ? (bytes) => reservation.grow(bytes) : undefined,
      });
      return await use(body);
    } finally {
      reservation.release();
    }
  }

  private reserve(req: Request, client: string, bytes: number): BodyReservation {
    try {
      return this.budget.reserve(client, bytes);
    } catch (err) {
      throw refuseBody(req, err);
    }
  }

  /** Bytes reserved now and the clients holding them (metrics, tests). */
  inFlight(): { bytes: number; clients: number } {
    return this.budget.inFlight();
  }
}
