import { TaskKind } from '@app/tasks/contract';
import { Command, Option } from 'commander';
import type { ContextFactory } from '../cli-context';
import { inputFileSize } from '../input-file';
import { UsageError } from '../exit-codes';
import { resumeUpload } from '../upload/resumable-upload';
import { uploadNumbersFile, UPLOAD_MODES, UploadMode } from '../upload/upload-numbers-file';
import { waitForEvenSum } from '../wait-for-task';
import { waitOrCancel } from '../cancel-on-interrupt';

interface EvenSumOptions {
  wait: boolean;
  upload: UploadMode;
  resume?: string;
  callbackUrl?: string;
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
    .option(
      '--callback-url <url>',
      'URL the service POSTs (signed, Standard Webhooks) when the task ends',
    )
    .addOption(
      new Option(
        '--upload <mode>',
        'auto: presigned multipart upload when the server offers it (S3 storage), else streamed to the api',
      )
        .choices(UPLOAD_MODES)
        .default('auto'),
    )
    .option(
      '--resume <token>',
      'finish an interrupted presigned upload of this same file: sends only the parts the bucket lacks',
    )
    .action(async (file: string, options: EvenSumOptions, command: Command) => {
      const ctx = context(command);
      const size = await inputFileSize(file);
      const bar = ctx.progress({ label: 'upload', unit: 'bytes', total: size });
      let token: string | undefined = options.resume;
      let parts = 0;
      let sent = 0;
      const onBytes = (delta: number) => bar.update((sent += delta));
      const onResume = (cause: Error) =>
        ctx.info(`upload: ${cause.message}; resuming from the parts the bucket holds`);
      try {
        if (options.resume) {
          if (options.upload === 'stream')
            throw new UsageError('--resume finishes a presigned upload: drop --upload stream');
          token = await resumeUpload(ctx.client, options.resume, file, size, {
            file,
            size,
            signal: ctx.client.signal,
            onBytes,
            onResume,
            onState: (state) => (parts = state.stored.length + state.missing.length),
          });
        } else {
          ({ token } = await uploadNumbersFile(ctx.client, file, size, {
            mode: options.upload,
            callbackUrl: options.callbackUrl,
            onProgress: (bytes) => bar.update(bytes),
            onResume,
            onPresigned: (plan) => ((parts = plan.parts.length), (token = plan.token)),
            onRetry: (err) => ctx.info(`upload failed (${err.message}); sending it again`),
          }));
        }
        bar.complete();
      } catch (err) {
        // The parts already sent stay in the bucket until the session expires: say how to use them.
        if (token && parts && !(err instanceof UsageError))
          ctx.info(`resume with: tasks even-sum --resume ${token} ${file}`);
        throw err;
      } finally {
        bar.stop();
      }
      if (token === undefined) throw new Error('the upload ended without a task token');
      if (!options.wait) return ctx.emit(token, { token });
      ctx.info(`submitted ${token}${parts ? ` (sent straight to storage in ${parts} parts)` : ''}`);
      const submitted = token;
      await waitOrCancel(ctx, TaskKind.EvenSum, submitted, () =>
        waitForEvenSum(ctx.client, submitted, ctx.progress),
      );
      const result = await ctx.client.tasks.evenSumResult(token);
      if (!result) throw new Error(`task ${token} finished but its result is gone (expired?)`);
      ctx.emit(result.sum, { token, ...result });
    });
}
