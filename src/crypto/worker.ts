/**
 * Entry point of a worker of the `src/crypto` Piscina pool (`./pool.ts`): runs one task made of bytes
 * (`./tasks.ts`) and returns its ok/error union. Nothing is thrown back to the main thread: the task
 * runners catch everything, and an unknown task kind is an error result too.
 *
 * The pool loads this file as `worker.ts` through tsx when the pool itself runs from TypeScript
 * sources (tests, benchmarks), and as the compiled `worker.js` from `dist/` otherwise.
 */
import { runCombineTask, runRecoverTask, runVerifyTask, type Task, type TaskResult } from './tasks.js';

export default function runTask(task: Task): TaskResult {
  switch (task?.kind) {
    case 'verify':
      return runVerifyTask(task);
    case 'combine':
      return runCombineTask(task);
    case 'recover':
      return runRecoverTask(task);
    default:
      return { ok: false, error: `crypto worker: unknown task kind ${String((task as { kind?: unknown } | undefined)?.kind)}` };
  }
}
