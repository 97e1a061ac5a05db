/**
 * Adds `hook` after a route's own hooks of one kind, in an `onRoute` hook (`route.onSend =
 * appendHook(route.onSend, hook)`): a route option may hold one hook, an array, or nothing.
 */
export function appendHook<T> (hooks: T | readonly T[] | undefined, hook: T): T[] {
  if (hooks === undefined) return [hook]
  return Array.isArray(hooks) ? [...hooks as readonly T[], hook] : [hooks as T, hook]
}
