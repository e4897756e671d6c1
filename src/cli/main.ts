#!/usr/bin/env node
import { ConfigError, loadConfig } from '../config/config.js';

const USAGE = `hookd — webhooks infrastructure

Usage:
  hookd serve [--port N] [--host H] [--data-dir DIR] [...]   run the API and the delivery engine
  hookd token create [--app APP_ID] [--expires-in SECONDS]   mint an API token (admin, or limited to one app)
  hookd migrate                                              apply database migrations and exit
  hookd rotate-master-key                                    re-encrypt stored secrets under a new master key
  hookd prune --before DATE                                  clear payloads and request bodies from before DATE
  hookd listen <source> --forward-to <url> [...]             forward a source's requests to a local URL

Every setting can also come from HOOKD_* environment variables or hookd.config.json;
see docs/configuration.md.`;

// Each command imports what it runs when it runs: the server's modules (fastify, ajv, undici...)
// take most of a second of CPU to load, which `--help`, `token` and a bad setting need not pay.
async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'serve':
      return (await import('./serve.js')).serve(rest);
    case 'token':
      if (rest[0] !== 'create') break;
      return (await import('./token.js')).createToken(rest.slice(1));
    case 'listen': {
      const { Command } = await import('commander');
      const program = new Command('hookd');
      (await import('./listen/register-listen.js')).registerListen(program);
      await program.parseAsync(argv, { from: 'user' });
      return Number(process.exitCode ?? 0);
    }
    case 'migrate': {
      const config = loadConfig({ argv: rest });
      return (await import('./migrate.js')).migrate(config);
    }
    case 'rotate-master-key': {
      const config = loadConfig({ argv: rest });
      return (await import('./commands/rotate-master-key.js')).rotateMasterKey(config);
    }
    case 'prune':
      return (await import('./commands/prune.js')).prune(rest, (argv) => loadConfig({ argv }));
    case '--version':
      console.log('hookd 0.1.0');
      return 0;
    case undefined:
    case '--help':
    case 'help':
      console.log(USAGE);
      return 0;
  }
  console.error(`hookd: unknown command ${JSON.stringify(argv.join(' '))}\n\n${USAGE}`);
  return 2;
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code !== 0) process.exit(code);
  },
  (err: unknown) => {
    console.error(`hookd: ${err instanceof ConfigError ? err.message : (err as Error).stack}`);
    process.exit(err instanceof ConfigError ? 2 : 1);
  },
);
