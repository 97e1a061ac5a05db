import t from 'tap'
import { appendHook } from '../src/index.js'

t.test('appendHook adds a hook after a route\'s own, whatever shape they have', async (t) => {
  const a = (): void => {}
  const b = (): void => {}
  const c = (): void => {}
  t.same(appendHook(undefined, c), [c])
  t.same(appendHook(a, c), [a, c])
  const own = [a, b]
  const appended = appendHook(own, c)
  t.same(appended, [a, b, c])
  t.same(own, [a, b], 'the route\'s array is not changed')
})
