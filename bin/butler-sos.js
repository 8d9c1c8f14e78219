#!/usr/bin/env node
// Entry point for `npx butler-sos` and the npm bin. Node 24 runs the TypeScript sources directly.
await import('../src/cli/main.ts');
