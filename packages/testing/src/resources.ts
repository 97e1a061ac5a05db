/** What the reaper must clean up if the owning process dies. Shared by the client and the reaper. */
export type Resource =
  /** A server process; with `tree`, its direct children too (PostgreSQL: postmaster and backends). */
  | { kind: 'proc', pid: number, tree: boolean }
  /** A PostgreSQL data directory: the postmaster pid (and its shared memory segment) come from postmaster.pid. */
  | { kind: 'pgdata', dir: string }
  /** A temp directory to remove recursively. */
  | { kind: 'dir', path: string }

export type ReaperMessage =
  | { op: 'add', id: number, resource: Resource }
  | { op: 'del', id: number }
