// The `ourci` command line: one file per subcommand under commands/, which only parse flags
// and call into the libraries. Configuration: flags > environment > config file > defaults.
import { Command, CommanderError } from 'commander';
import { registerBlob } from './commands/blob';
import { registerMaster } from './commands/master';
import { registerPubSub } from './commands/pubsub';
import { registerAgent } from './commands/agent';
import { registerJobs } from './commands/jobs';
import { registerUp } from './commands/up';
import { registerBoards } from './commands/boards';
import { registerFlash } from './commands/flash';
import { registerConsole } from './commands/console';
import { registerBench } from './commands/bench';
import { makeContext } from './context';
import { readEnv } from './config';
import { fail } from './output';

const VERSION = '0.1.0';

export function buildProgram(): Command {
  const ctx = makeContext(readEnv(), VERSION);
  const program = new Command('ourci')
    .description('OurCI: distributed CI for IoT firmware, tested on real boards')
    .version(VERSION)
    .option('--url <url>', 'master URL (env OURCI_URL)')
    .option('--token <token>', 'bearer token (env OURCI_TOKEN)')
    .option('--config <file>', 'config file (env OURCI_CONFIG; default .ourci/config.json, then ~/.config/ourci/config.json)')
    .showHelpAfterError('(add --help for usage)')
    .enablePositionalOptions()
    .exitOverride();
  registerMaster(program, ctx);
  registerPubSub(program, ctx);
  registerAgent(program, ctx);
  registerJobs(program, ctx);
  registerUp(program, ctx);
  registerBlob(program, ctx);
  registerBoards(program, ctx);
  registerFlash(program, ctx);
  registerConsole(program, ctx);
  registerBench(program, ctx);
  return program;
}

async function main(): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(process.argv);
  } catch (err) {
    if (err instanceof CommanderError) process.exit(err.exitCode);
    fail(err);
  }
}

void main();
