import { EnvOf, GiB, int, MiB } from './env-fields';

/**
 * The variables that bound a task's input and shape its work (image and upload sizes, image bytes
 * in flight, compression, chunks, result lifetime), with their defaults.
 */
export const tasksEnv = {
  MAX_IMAGE_BYTES: int(1).default(20 * MiB),
  // Image bodies are read whole into memory: these cap the bytes held at once in one api process
  // (a per-process count, as memory is per process), so that many clients, or one client's many
  // uploads, cannot take the api's memory. 128 MiB keeps a 2-core ~1 GiB api far from its limit
  // (a chunked body is held twice for a moment when its pieces are joined) and still admits 6
  // maximal images at once, or hundreds of ordinary ones; one client gets at most half of it.
  MAX_IMAGE_BYTES_IN_FLIGHT: int(1).default(128 * MiB),
  MAX_CLIENT_BYTES_IN_FLIGHT: int(1).default(64 * MiB),
  // A whole image body must arrive within this: trickling a byte now and then defeats an idle
  // timeout, and would otherwise hold a reservation (and its memory) for ever. 20 MiB in 30 s is
  // 5.6 Mbit/s; an ordinary PNG of a few MB needs well under 1 Mbit/s.
  IMAGE_BODY_TIMEOUT_MS: int(100).default(30_000),
  // 4096 x 4096: decoded RGBA plus the shuffled copy stay near 128 MiB per job.
  MAX_IMAGE_PIXELS: int(1).default(4096 * 4096),
  PNG_COMPRESSION_LEVEL: int(0, 9).default(3),
  MAX_UPLOAD_BYTES: int(1).default(10 * GiB),
  CHUNK_BYTES: int(1).default(64 * MiB),
  RESULT_TTL_SECONDS: int(1).default(86400),
};

/** AppConfig's part for task inputs and their work. */
export interface TasksConfig {
  maxImageBytes: number;
  /** Image body bytes one api process holds at once, over all clients. */
  maxImageBytesInFlight: number;
  /** Image body bytes one api process holds at once for one client. */
  maxImageBytesInFlightPerClient: number;
  /** Deadline for a whole image body, from the start of reading it. */
  imageBodyTimeoutMs: number;
  maxImagePixels: number;
  pngCompressionLevel: number;
  maxUploadBytes: number;
  chunkBytes: number;
  resultTtlSeconds: number;
}

/**
 * Reads the task variables into their part of AppConfig; adds to `problems` what the schema
 * alone cannot see (in-flight caps below MAX_IMAGE_BYTES).
 */
export function tasksConfig(e: EnvOf<typeof tasksEnv>, problems: string[]): TasksConfig {
  // Below MAX_IMAGE_BYTES, a largest allowed image could never be accepted.
  for (const name of ['MAX_IMAGE_BYTES_IN_FLIGHT', 'MAX_CLIENT_BYTES_IN_FLIGHT'] as const)
    if (e[name] < e.MAX_IMAGE_BYTES)
      problems.push(`${name}: must be at least MAX_IMAGE_BYTES (${e.MAX_IMAGE_BYTES})`);
  return {
    maxImageBytes: e.MAX_IMAGE_BYTES,
    maxImageBytesInFlight: e.MAX_IMAGE_BYTES_IN_FLIGHT,
    maxImageBytesInFlightPerClient: e.MAX_CLIENT_BYTES_IN_FLIGHT,
    imageBodyTimeoutMs: e.IMAGE_BODY_TIMEOUT_MS,
    maxImagePixels: e.MAX_IMAGE_PIXELS,
    pngCompressionLevel: e.PNG_COMPRESSION_LEVEL,
    maxUploadBytes: e.MAX_UPLOAD_BYTES,
    chunkBytes: e.CHUNK_BYTES,
    resultTtlSeconds: e.RESULT_TTL_SECONDS,
  };
}
