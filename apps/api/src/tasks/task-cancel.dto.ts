import { ApiProperty } from '@nestjs/swagger';
import { TOKEN_PATTERN } from '@app/tasks/contract';
import type { TaskCancelledView } from '@app/tasks/contract';

/** OpenAPI shape of DELETE /<kind>/:token's 200 (documentation only). */
export class TaskCancelledDto implements TaskCancelledView {
  @ApiProperty({ example: 'b27f6016f9cf46a6baaddf09d2e5b221', pattern: TOKEN_PATTERN.source })
  token!: string;
  @ApiProperty({ enum: ['cancelled'], example: 'cancelled' })
  status!: 'cancelled';
}
