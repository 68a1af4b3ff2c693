import { Module } from '@nestjs/common';
import { WorkModule } from '../work.module';
import { PngCodec } from './png-codec.service';
import { RandomizeRunner } from './randomize.runner';

/** The randomize work: sharp codec and the runner the worker's processor calls. */
@Module({
  imports: [WorkModule],
  providers: [PngCodec, RandomizeRunner],
  exports: [RandomizeRunner],
})
export class RandomizeModule {}
