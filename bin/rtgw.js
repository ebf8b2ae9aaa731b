#!/usr/bin/env node
// The package's entry point: the compiled CLI lives in dist/ (built by `npm install` via prepare).
import { main } from '../dist/cli/main.js';

const code = await main(process.argv.slice(2));
// Long-running commands (serve, bots, dash) resolve only when they are done.
process.exitCode = code;
