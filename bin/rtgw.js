#!/usr/bin/env node
// The package's entry point: the compiled CLI lives in dist/ (built by `npm install` via prepare).
import { main } from '../dist/cli/main.js';

// Every command resolves only when it is done (serve after a graceful shutdown), so exit then:
// nothing left behind (a reconnecting client, a timer) may keep the process alive.
process.exit(await main(process.argv.slice(2)));
