/**
 * The CLI's entry point as a function: finds the command, parses its flags, runs it, and turns every
 * failure into one line on standard error and a non-zero exit code (2 for usage mistakes, 1 for
 * requests that cannot be served). Never prints a stack trace.
 */
import { CommandSpec, Io, PROGRAM, UsageError, commandHelp, commandName, parseFlags, suggestion } from './args';
import { CATALOG_COMMANDS } from './catalog-commands';
import { LIST_FLAGS } from './list-output';
import { MANIFEST_COMMANDS } from './manifests-command';
import { joinMessage, oneLine } from './one-line';
import { PROFILE_COMMANDS } from './profiles-commands';
import { SERVE_COMMAND } from './serve';
import { libraryVersion } from '../util/version';

export type { Io };
export { oneLine };

/** Every listing (a command with --format) also takes gcloud's list flags: --filter, --sort-by, --limit. */
const withListFlags = (c: CommandSpec): CommandSpec => (c.flags.some((f) => f.name === 'format') ? { ...c, flags: [...c.flags, ...LIST_FLAGS] } : c);

export const COMMANDS: readonly CommandSpec[] = [
  ...CATALOG_COMMANDS.filter((c) => c.path[0] !== 'accelerators'),
  ...PROFILE_COMMANDS,
  ...CATALOG_COMMANDS.filter((c) => c.path[0] === 'accelerators'),
  ...MANIFEST_COMMANDS,
  SERVE_COMMAND,
].map(withListFlags);

/** gcloud's command groups that live under `gcloud container ai profiles`: `profiles models list` = `models list`. */
const GROUPS_UNDER_PROFILES = new Set(COMMANDS.map((c) => c.path[0]).filter((g) => g !== 'profiles'));


/**
 * Runs the CLI on `argv` (the arguments after the program name) and returns the exit code.
 * Output goes only through `io`, so tests and `main.ts` share it.
 */
export function run(given: readonly string[], io: Io): number {
  let command: CommandSpec | undefined;
  // gcloud's global --quiet (-q), anywhere on the line, disables prompts: this tool never prompts, so it is accepted and has no effect
  const argv = given.filter((a) => a !== '--quiet' && a !== '-q');
  try {
    const words = commandWords(argv);
    const rest = argv.slice(words.consumed);
    const wantsHelp = rest.includes('--help') || rest.includes('-h');
    if (words.path.length === 0) {
      if (wantsHelp) return help(io);
      if (rest.includes('--version')) {
        io.out(`${libraryVersion()}\n`);
        return 0;
      }
      throw new UsageError(rest.length > 0 ? `Expected a command before '${rest[0]}'` : 'No command given');
    }
    command = COMMANDS.find((c) => c.path.join(' ') === words.path.join(' '));
    if (!command) {
      const group = COMMANDS.filter((c) => c.path[0] === words.path[0] && words.path.length === 1);
      if (group.length > 0) {
        if (wantsHelp) return help(io, group);
        throw new UsageError(`Command group '${words.path[0]}' needs a subcommand: ${group.map((c) => c.path[1]).join(', ')}`);
      }
      const close = suggestion(words.path.join(' '), COMMANDS.map(commandName));
      throw new UsageError(`Unknown command '${words.path.join(' ')}'${close !== undefined ? `; did you mean '${close}'?` : ''}`);
    }
    if (wantsHelp) {
      io.out(commandHelp(command));
      return 0;
    }
    return command.run(parseFlags(command, rest), io);
  } catch (e) {
    const usage = e instanceof UsageError;
    const where = command ? `${PROGRAM} ${commandName(command)}` : PROGRAM;
    const hint = usage && !command ? ` (run '${PROGRAM} --help' for the commands)` : '';
    // the CLI's own usage errors name flags and list keys already ('model' there is a --filter key): only library messages are renamed
    const message = e instanceof Error ? e.message : String(e);
    io.err(`ERROR: (${where}) ${usage ? joinMessage(message, {}) : oneLine(message)}${hint}\n`);
    return usage ? 2 : 1;
  }
}

/** The leading words of argv that name a command, after gcloud's optional `container ai` and `profiles` prefixes. */
function commandWords(argv: readonly string[]): { path: string[]; consumed: number } {
  let i = 0;
  // a pasted gcloud line may carry its release track: `gcloud alpha container ai profiles accelerators list`
  if ((argv[0] === 'alpha' || argv[0] === 'beta') && argv[1] === 'container') i = 1;
  if (argv[i] === 'container' && argv[i + 1] === 'ai') i += 2;
  if (argv[i] === 'profiles' && (GROUPS_UNDER_PROFILES.has(argv[i + 1]) || GROUP_ALIASES[argv[i + 1]] !== undefined)) i++;
  const path: string[] = [];
  while (i < argv.length && !argv[i].startsWith('-') && path.length < 2) path.push(argv[i++]);
  if (path.length > 0 && GROUP_ALIASES[path[0]] !== undefined) path[0] = GROUP_ALIASES[path[0]];
  return { path, consumed: i };
}

/** gcloud's group names where the CLI's differ: GA gcloud's `use-case list` (lib/surface/container/ai/profiles/use_case). */
const GROUP_ALIASES: { readonly [gcloud: string]: string } = { 'use-case': 'use-cases' };


function help(io: Io, commands: readonly CommandSpec[] = COMMANDS): number {
  const width = Math.max(...commands.map((c) => commandName(c).length)) + 2;
  io.out([
    `Usage: ${PROGRAM} COMMAND [flags]`,
    '',
    'GKE Inference Quickstart\'s answers, offline: models, profiles, costs, benchmark curves and manifests from the embedded catalog.',
    'Commands and flags mirror \'gcloud container ai profiles\' (its \'container ai\' and \'profiles\' prefixes are accepted).',
    '',
    'Commands:',
    ...commands.map((c) => `  ${commandName(c).padEnd(width)}${c.summary}`),
    '',
    `Run '${PROGRAM} COMMAND --help' for a command's flags. Exit codes: 0 success, 1 request cannot be served, 2 usage error.`,
    '',
  ].join('\n'));
  return 0;
}
