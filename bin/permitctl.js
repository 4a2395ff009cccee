#!/usr/bin/env node
// The CLI runs the TypeScript sources through tsx, so the tests, the image and a newcomer
// all execute the same code path with no separate build step.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
