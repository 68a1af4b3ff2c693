import { ApiProperty } from '@nestjs/swagger';
import { TOKEN_PATTERN } from '@app/tasks/contract';
import type {
  DirectUploadStateView,
  DirectUploadView,
  PresignedPartView,
  StoredPartView,
} from '@app/tasks/contract';

/** OpenAPI shapes of the direct-upload routes (documentation only). */
export class PresignedPartDto implements PresignedPartView {
  @ApiProperty({
    example: 1,
    description: 'Part number, 1-based; part n holds bytes [(n-1)·partSize, n·partSize)',
  })
  partNumber!: number;
  @ApiProperty({
    example:
      'https://bucket.s3.us-east-1.amazonaws.com/b27f…/input.txt?partNumber=1&uploadId=…&X-Amz-Signature=…',
    description: 'PUT the part here, with no credentials; keep the ETag header of the reply',
  })
  url!: string;
}

export class DirectUploadDto implements DirectUploadView {
  @ApiProperty({ example: 'b27f6016f9cf46a6baaddf09d2e5b221', pattern: TOKEN_PATTERN.source })
  token!: string;
  @ApiProperty({ example: 8388608, description: 'Bytes per part (the last part holds the rest)' })
  partSize!: number;
  @ApiProperty({ type: [PresignedPartDto] })
  parts!: PresignedPartDto[];
  @ApiProperty({
    example: '2026-11-28T11:00:00.000Z',
    description:
      'The URLs expire then, and the upload too unless the client comes back before (GET /even-sum/uploads/{token} for fresh URLs, or complete)',
  })
  expiresAt!: string;
}

export class StoredPartDto implements StoredPartView {
  @ApiProperty({ example: 1 })
  partNumber!: number;
  @ApiProperty({
    example: 8388608,
    description: 'Bytes the bucket holds: the planned size of this part',
  })
  size!: number;
  @ApiProperty({
    example: '"0eefad1a52668e00b88fc4ae26c8ab3f"',
    description: 'The ETag to list on completion (for a single PUT, the quoted MD5 of the part)',
  })
  etag!: string;
  @ApiProperty({
    description: "A fresh URL to replace the part, should its bytes not be the file's",
  })
  url!: string;
}

export class DirectUploadStateDto implements DirectUploadStateView {
  @ApiProperty({ example: 'b27f6016f9cf46a6baaddf09d2e5b221', pattern: TOKEN_PATTERN.source })
  token!: string;
  @ApiProperty({ example: 5368709120, description: 'The declared file size' })
  size!: number;
  @ApiProperty({ example: 8388608, description: 'Bytes per part (the last part holds the rest)' })
  partSize!: number;
  @ApiProperty({
    type: [StoredPartDto],
    description: 'Parts the bucket already holds: do not send them again',
  })
  stored!: StoredPartDto[];
  @ApiProperty({ type: [PresignedPartDto], description: 'Parts still to PUT, with fresh URLs' })
  missing!: PresignedPartDto[];
  @ApiProperty({
    example: '2026-11-28T11:00:00.000Z',
    description:
      'The URLs expire then, and the upload too unless the client comes back (GET or complete) before',
  })
  expiresAt!: string;
}

/** The request bodies, as JSON schemas for @ApiBody. */
export const START_UPLOAD_SCHEMA = {
  type: 'object',
  required: ['size'],
  properties: {
    size: {
      type: 'integer',
      minimum: 1,
      example: 5368709120,
      description: 'Exact file size in bytes (at most MAX_UPLOAD_BYTES)',
    },
    callbackUrl: {
      type: 'string',
      maxLength: 2048,
      example: 'https://example.com/hooks/tasks',
      description:
        'Optional: URL POSTed (signed, Standard Webhooks) when the task ends; as the callbackUrl query parameter of POST /even-sum',
    },
  },
};

export const COMPLETE_UPLOAD_SCHEMA = {
  type: 'object',
  required: ['parts'],
  properties: {
    parts: {
      type: 'array',
      description: 'Every part, each with the ETag that its PUT answered',
      items: {
        type: 'object',
        required: ['partNumber', 'etag'],
        properties: {
          partNumber: { type: 'integer', minimum: 1, example: 1 },
          etag: { type: 'string', example: '"0eefad1a52668e00b88fc4ae26c8ab3f"' },
        },
      },
    },
  },
};
