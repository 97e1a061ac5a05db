/**
 * A micro-benchmark suite: `src/micro/<name>.ts` default-exports one of these.
 * All tasks run interleaved over several rounds in one (fresh) process.
 */
export interface MicroSuite {
  /** Same as the file name, without extension. */
  name: string
  description: string
  /** Key of the task every other task is compared against. */
  baseline: string
  /** One operation per call; keep any state outside the function. */
  tasks: Record<string, () => unknown | Promise<unknown>>
  /** Runs once before the first round. */
  setup?: () => Promise<void> | void
  /** Runs once after the last round. */
  teardown?: () => Promise<void> | void
  /** Target per task: mean ns/op minus the baseline's ns/op must be <= this; pass/fail. */
  maxOverheadNs?: Record<string, number>
}
