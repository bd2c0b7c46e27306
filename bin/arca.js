#!/usr/bin/env node
// More threads for file I/O (content writes are fsync-bound), set before anything uses them.
process.env.UV_THREADPOOL_SIZE ??= '16'
const { main } = await import('../dist/cli/main.js')
await main()
