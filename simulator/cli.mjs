#!/usr/bin/env node
// node simulator/cli.mjs --port 8787 [--host 127.0.0.1] [--pacing 30] [--static dir] [--route /pkg/=dir]
import { startSimulator } from './server.mjs';

const USAGE = `usage: node simulator/cli.mjs [--port 8787] [--host 127.0.0.1] [--pacing ms] [--static dir] [--route /prefix/=dir ...] [--body-limit bytes]`;

function parseArgs(argv) {
  const opts = { port: 8787 };
  const staticRoutes = {};
  for (let i = 0; i < argv.length; i += 1) {
    const a = argv[i];
    const eq = a.indexOf('=');
    const flag = a.startsWith('--') && eq > 0 ? a.slice(0, eq) : a;
    const inline = a.startsWith('--') && eq > 0 ? a.slice(eq + 1) : undefined;
    const value = () => {
      if (inline !== undefined) return inline;
      i += 1;
      if (i >= argv.length) throw new Error(`missing value for ${flag}`);
      return argv[i];
    };
    switch (flag) {
      case '--port':
        opts.port = Number(value());
        if (!Number.isInteger(opts.port) || opts.port < 0 || opts.port > 65535) throw new Error('--port must be 0..65535');
        break;
      case '--host':
        opts.host = value();
        break;
      case '--pacing':
        opts.pacingMs = Number(value());
        if (!Number.isFinite(opts.pacingMs) || opts.pacingMs < 0) throw new Error('--pacing must be a number >= 0');
        break;
      case '--static':
        opts.staticDir = value();
        break;
      case '--route': {
        const v = value();
        const k = v.indexOf('=');
        if (k <= 0) throw new Error('--route needs /prefix/=dir');
        staticRoutes[v.slice(0, k)] = v.slice(k + 1);
        break;
      }
      case '--body-limit':
        opts.bodyLimit = Number(value());
        break;
      case '-h':
      case '--help':
        console.log(USAGE);
        process.exit(0);
        break;
      default:
        throw new Error(`unknown argument ${a}`);
    }
  }
  if (Object.keys(staticRoutes).length) opts.staticRoutes = staticRoutes;
  return opts;
}

let opts;
try {
  opts = parseArgs(process.argv.slice(2));
} catch (err) {
  console.error(`${err.message}\n${USAGE}`);
  process.exit(2);
}

const sim = await startSimulator(opts);
console.log(`meinGPT simulator listening on ${sim.url}`);

let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  await sim.close();
  process.exit(0);
}
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
