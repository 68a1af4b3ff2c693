import { S3CountingProxy } from './s3-proxy';
import { LocalS3 } from './s3-server';
import { Stack, StackOptions } from './stack';

export interface S3StackOptions extends StackOptions {
  /** Put an S3CountingProxy in front of the server and make it the stack's S3_ENDPOINT. */
  proxy?: boolean;
}

/**
 * The real api and workers on STORAGE=s3 against a local S3 server of their own (its bucket
 * made), optionally behind a counting proxy. `options.env` comes after the S3 variables, so a
 * test can set S3_PART_BYTES, CHUNK_BYTES and the like.
 */
export class S3Stack {
  private constructor(
    readonly s3: LocalS3,
    readonly stack: Stack,
    readonly proxy: S3CountingProxy | undefined,
  ) {}

  static async start({ proxy: behindProxy = false, ...options }: S3StackOptions): Promise<S3Stack> {
    const s3 = await LocalS3.start();
    let proxy: S3CountingProxy | undefined;
    try {
      if (behindProxy) proxy = await S3CountingProxy.start(s3.endpoint);
      const stack = await Stack.start({
        ...options,
        env: { ...s3.env(), ...(proxy && { S3_ENDPOINT: proxy.endpoint }), ...options.env },
      });
      return new S3Stack(s3, stack, proxy);
    } catch (err) {
      // The caller gets no S3Stack to stop: what did start is stopped here.
      await proxy?.stop();
      await s3.stop();
      throw err;
    }
  }

  /** Stops the stack first (it cleans its Redis keys), then the proxy, then the server. */
  async stop(): Promise<void> {
    await this.stack.stop();
    await this.proxy?.stop();
    await this.s3.stop();
  }
}
