import { ApiProperty } from '@nestjs/swagger';
import type { EvenSumResultView } from '@app/tasks/contract';

/** The even-sum result: the sum is a decimal string, exact at any size. */
export class EvenSumResultDto implements EvenSumResultView {
  @ApiProperty({
    example: '-12345678901234567890123',
    description: 'Exact sum of the even integers (BigInt, as a string)',
  })
  sum!: string;
  @ApiProperty({ example: 52428800 }) evenCount!: number;
  @ApiProperty({ example: 104857600 }) count!: number;
  @ApiProperty({ example: 1073741824, description: 'File size in bytes' }) bytes!: number;
}
