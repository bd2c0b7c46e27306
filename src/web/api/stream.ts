/**
 * Streaming of content bytes into a response body.
 *
 * @module
 */

/** A web stream pulling from an async iterable (backpressure: one chunk per pull). */
export function streamOf(source: AsyncIterable<Uint8Array>): ReadableStream<Uint8Array> {
  const it = source[Symbol.asyncIterator]()
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const r = await it.next()
        if (r.done === true) controller.close()
        else controller.enqueue(r.value)
      } catch (e) {
        controller.error(e)
      }
    },
    async cancel() {
      await it.return?.()
    },
  })
}
