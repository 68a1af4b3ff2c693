import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

export interface BlobBucketProps {
  /** The service's RESULT_TTL_SECONDS: objects expire after this, rounded up to whole days. */
  readonly resultTtlSeconds: number;
  /** Origins allowed to PUT presigned parts from a browser. */
  readonly corsAllowedOrigins: string[];
}

/** Days an object lives before S3 lifecycle deletes it: RESULT_TTL_SECONDS rounded up to whole days. */
export function expirationDays(resultTtlSeconds: number): number {
  return Math.max(1, Math.ceil(resultTtlSeconds / 86400));
}

/** The blob store (STORAGE=s3): uploaded images and files, results; everything in it is transient. */
export class BlobBucket extends Construct {
  readonly bucket: s3.Bucket;

  constructor(scope: Construct, id: string, props: BlobBucketProps) {
    super(scope, id);

    this.bucket = new s3.Bucket(this, 'Bucket', {
      // SSE-S3, not KMS: presigned part PUTs from clients then need no KMS permission, and there is
      // no per-request KMS charge on the thousands of part uploads and ranged GETs a big job makes.
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      versioned: false, // versions would keep every expired or deleted upload and bill for it
      lifecycleRules: [
        {
          id: 'expire-with-task-ttl',
          // The service deletes a task's blobs when its record expires; this is the backstop for what
          // it misses (a crash, a lost Redis key). S3 runs expiry once a day at 00:00 UTC, so objects
          // can outlive this by up to a day, never less than it.
          expiration: Duration.days(expirationDays(props.resultTtlSeconds)),
          // A client that gives up on a presigned multipart upload leaves billed parts behind.
          abortIncompleteMultipartUploadAfter: Duration.days(1),
        },
      ],
      cors: [
        {
          // Browser clients PUT parts straight to S3 with presigned URLs and must read each part's
          // ETag to send it to POST /even-sum/uploads/:token/complete.
          allowedMethods: [s3.HttpMethods.PUT],
          allowedOrigins: props.corsAllowedOrigins,
          allowedHeaders: ['*'],
          exposedHeaders: ['ETag'],
          maxAge: 3600,
        },
      ],
      // Data here is transient, but deleting a stack must not silently delete clients' files either:
      // empty and delete the bucket by hand after `cdk destroy`.
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }
}
