#!/usr/bin/env node
/**
 * `npx egnyte-emulator`: the emulator of `express-egnyte-auth/testing` as a command, so an app
 * outside this repository can be developed against it: start it, paste the two printed lines
 * into the app's `egnyteAuth()` options, sign in in a browser.
 *
 * The process holds one emulator; it stops on the first SIGINT (Ctrl-C) or SIGTERM by closing
 * the emulator (which ends every connection, hanging ones included) and exits 0. A second
 * signal while closing exits at once (130), as a user pressing Ctrl-C twice expects. It also
 * stops when the process that started it ends (it is re-parented): `npx` runs it through a
 * shell that a SIGTERM to `npx` alone kills without passing the signal on.
 */
import { EMULATOR_CLI_USAGE, parseEmulatorArgs, startedBanner } from './cli-args.js';
import { startEgnyteEmulator } from './emulator.js';

async function main(argv: readonly string[]): Promise<void> {
  const request = parseEmulatorArgs(argv);
  if (request.kind === 'help') {
    console.log(EMULATOR_CLI_USAGE);
    return;
  }
  if (request.kind === 'invalid') {
    console.error(`egnyte-emulator: ${request.problems.join('\n  ')}\n\n${EMULATOR_CLI_USAGE}`);
    process.exitCode = 2;
    return;
  }
  const { options } = request;
  let emulator;
  try {
    emulator = await startEgnyteEmulator(options);
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    console.error(
      code === 'EADDRINUSE'
        ? `egnyte-emulator: port ${options.port} is already in use. Pick another with --port, or leave --port out for a free one.`
        : `egnyte-emulator: could not start: ${(err as Error).message}`,
    );
    process.exitCode = 1;
    return;
  }
  console.log(startedBanner(emulator.url, emulator.clientId, emulator.clientSecret, emulator.users).join('\n'));

  let stoppingSince: number | undefined;
  const stop = (why: string): void => {
    if (stoppingSince !== undefined) {
      // A second Ctrl-C forces the exit; the same signal a moment later is npm passing on the
      // one the process group already got.
      if (Date.now() - stoppingSince > 500) process.exit(130);
      return;
    }
    stoppingSince = Date.now();
    clearInterval(orphanWatch);
    console.log(`\n${why}: stopping the Egnyte emulator.`);
    emulator.close().then(
      () => {
        console.log('Egnyte emulator stopped.');
        process.exitCode = 0;
      },
      (err: unknown) => {
        console.error(`egnyte-emulator: closing failed: ${(err as Error).message}`);
        process.exitCode = 1;
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT received'));
  process.on('SIGTERM', () => stop('SIGTERM received'));
  // `npx` runs this through a shell that dies on a SIGTERM sent to npx alone (as a process
  // manager sends it) without passing it on: the emulator then notices it was orphaned.
  const parent = process.ppid;
  const orphanWatch = setInterval(() => {
    if (process.ppid !== parent) stop('The command that started it ended');
  }, 250);
  orphanWatch.unref();
}

main(process.argv.slice(2)).catch((err: unknown) => {
  console.error(`egnyte-emulator: ${(err as Error).message}`);
  process.exitCode = 1;
});
