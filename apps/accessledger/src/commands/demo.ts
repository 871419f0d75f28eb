import { InvalidInputError } from '@accessledger/core';
import type { PresetName } from '@accessledger/salesforce-emulator';
import type { Command } from 'commander';
import type { CliIo } from '../cli-io.js';

export interface DemoOptions {
  readonly preset: string;
  readonly users?: string;
  readonly seed: string;
  readonly name: string;
}

const PRESETS: readonly PresetName[] = ['tiny', 'demo', 'large'];

/**
 * The main job on embedded defaults, with no server and no Salesforce org:
 * an emulated org is generated and served on loopback, a connection to it is
 * stored (its client secret encrypted), and two syncs are recorded, with a
 * day's worth of access changes made in the org between them.
 */
export function registerDemoCommand(program: Command, io: CliIo): void {
  program
    .command('demo')
    .description(
      'Sync an emulated Salesforce org twice into the database (embedded by default) and show what changed.',
    )
    .option('--preset <name>', `org size: ${PRESETS.join(', ')}`, 'demo')
    .option('--users <n>', 'number of users instead of a preset')
    .option('--seed <n>', 'seed of the generated org', '1')
    .option('--name <connection>', 'connection name', 'demo')
    .action(async (options: DemoOptions) => {
      // The emulator (and its SOQL parser) loads only for this command.
      const { runDemo } = await import('./demo-run.js');
      await runDemo(io, options, orgSize(options));
    });
}

function orgSize(options: DemoOptions): { preset: PresetName } | { users: number } {
  if (options.users !== undefined) {
    const users = Number(options.users);
    if (!Number.isInteger(users) || users < 1)
      throw new InvalidInputError(`--users takes a positive whole number, not "${options.users}".`);
    return { users };
  }
  const preset = PRESETS.find((name) => name === options.preset);
  if (!preset)
    throw new InvalidInputError(`--preset must be one of ${PRESETS.join(', ')}, not "${options.preset}".`);
  return { preset };
}
