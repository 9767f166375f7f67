#!/usr/bin/env node
// Runs the bundled CLI (dist/bundle/, built by `npm ci`/`npm install` through the prepare script).
import { main } from '../dist/bundle/main.js';

process.exitCode = await main(process.argv.slice(2));
