import { Module } from '@nestjs/common';
import { TaskRunnerModule } from '../records';
import { PngCodec } from './png-codec.service';
import { RandomizeRunner } from './randomize.runner';

/** The randomize work: sharp codec and the runner the worker's processor calls. */
@Module({
  imports: [TaskRunnerModule],
  providers: [PngCodec, RandomizeRunner],
  exports: [RandomizeRunner],
})
export class RandomizeRunnerModule {}
