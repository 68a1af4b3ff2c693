import { TaskKind } from '@app/tasks/contract';
import { Command, Option } from 'commander';
import type { ContextFactory } from '../cli-context';
import { inputFileSize } from '../input-file';
import { uploadNumbersFile, UPLOAD_MODES, UploadMode } from '../upload/upload-numbers-file';
import { waitForEvenSum } from '../wait-for-task';
import { waitOrCancel } from '../cancel-on-interrupt';

interface EvenSumOptions {
  wait: boolean;
  upload: UploadMode;
}

/** `tasks even-sum numbers.txt`: upload with a progress bar, wait with a processing bar, print the exact sum. */
export function registerEvenSumCommand(program: Command, context: ContextFactory): void {
  program
    .command('even-sum')
    .description(
      'sum the even integers of a text file: uploads it (streamed, with progress), waits, prints the exact sum',
    )
    .argument('<file>', 'text file of integers (any size: it is streamed from disk)')
    .option('--no-wait', 'print the token once uploaded and exit')
    .addOption(
      new Option(
        '--upload <mode>',
        'auto: presigned multipart upload when the server offers it (S3 storage), else streamed to the api',
      )
        .choices(UPLOAD_MODES)
        .default('auto'),
    )
    .action(async (file: string, options: EvenSumOptions, command: Command) => {
      const ctx = context(command);
      const size = await inputFileSize(file);
      const bar = ctx.progress({ label: 'upload', unit: 'bytes', total: size });
      let token: string;
      let parts = 0;
      try {
        ({ token } = await uploadNumbersFile(ctx.client, file, size, {
          mode: options.upload,
          onProgress: (sent) => bar.update(sent),
          onPresigned: (plan) => (parts = plan.parts.length),
        }));
        bar.complete();
      } finally {
        bar.stop();
      }
      if (!options.wait) return ctx.emit(token, { token });
      ctx.info(`submitted ${token}${parts ? ` (sent straight to storage in ${parts} parts)` : ''}`);
      await waitOrCancel(ctx, TaskKind.EvenSum, token, () =>
        waitForEvenSum(ctx.client, token, ctx.progress),
      );
      const result = await ctx.client.evenSumResult(token);
      if (!result) throw new Error(`task ${token} finished but its result is gone (expired?)`);
      ctx.emit(result.sum, { token, ...result });
    });
}
