#!/usr/bin/env -S node --max-semi-space-size=4
// Entry point for `npx butler-sos`, the npm bin and the Docker image.
// It runs the production build (dist/app, written by `npm install` through the prepare script,
// or by `npm run build`): one minified bundle keeps about 15 MB less resident than the
// TypeScript sources, which Node 24 also runs directly and which are used when no build exists.
// The V8 flag caps the young generation (default up to 32 MB per semi-space): at 25,000
// events/s peak RSS stays near 125 MB instead of ~230 MB for about 3 % more CPU, and there is
// no hard heap cap that could crash the agent. --optimize-for-size would save another ~30 MB
// there but costs a quarter more CPU: 40,000 events/s then lose 14 % instead of nothing
// (figures: bench/udp-e2e.ts).
import { existsSync } from 'node:fs';

const build = new URL('../dist/app/butler-sos.mjs', import.meta.url);
await import(existsSync(build) ? build.href : '../src/cli/launch.ts');
