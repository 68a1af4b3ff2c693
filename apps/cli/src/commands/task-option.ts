import { Option } from 'commander';
import { TaskKind } from '@app/tasks/contract';
import { TASK_KINDS } from '../api';

/** `--task <kind>` for commands given only a token (without it, each kind is asked in turn). */
export function taskOption(): Option {
  return new Option('--task <kind>', 'the task kind (default: found by asking the server)').choices(
    TASK_KINDS,
  );
}

/** The kinds to ask about a token. */
export function kindsToTry(task: TaskKind | undefined): readonly TaskKind[] {
  return task ? [task] : TASK_KINDS;
}
