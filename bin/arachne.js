#!/usr/bin/env node
// Runs the compiled CLI (dist/ is built by `npm ci`/`npm install` through the prepare script).
import { main } from '../dist/cli/main.js';

process.exitCode = await main(process.argv.slice(2));
