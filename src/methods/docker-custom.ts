import { AdminError, ExitCode } from '../core/errors.js';
import { shellQuote } from '../system/redact.js';
import { fromLineFor, splitImageRef } from './docker-image.js';
import { composeCommand } from './restart/docker.js';
import type { DockerInstall } from './types.js';

/**
 * Custom images (built FROM Synapse's, with modules or files added): the wizard never pulls a tag
 * over them, it shows how to rebuild them on the target's image instead.
 */

/** The Synapse image a custom image is built on, as its Dockerfile names it; Docker Hub's when not known. */
export function customImageRepo(install: Pick<DockerInstall, 'custom'>): string {
  const from = install.custom?.build?.from?.image;
  if (from && !from.includes('$')) return splitImageRef(from).written;
  return 'matrixdotorg/synapse';
}

const cmd = (argv: readonly string[]): string => argv.map(shellQuote).join(' ');

/** The rebuild path for a custom image, as an error that changes nothing (target undefined: versions could not be listed). */
export function customImageError(install: DockerInstall, target: string | undefined): AdminError {
  const repo = customImageRepo(install);
  const next = target ? `${repo}:v${target}` : `${repo}:vX.Y.Z`;
  const why = install.custom?.evidence.join('; ') ?? '';
  const build = install.custom?.build;
  const steps: string[] = [];
  if (build) {
    const from = build.from;
    if (from && target && !from.image.includes('$'))
      steps.push(`In ${from.file}, line ${from.line}, change\n    ${from.text.trim()}\n  to\n    ${fromLineFor(from, target).trim()}`);
    else if (from)
      steps.push(
        `In ${from.file}, line ${from.line} (${from.text.trim()}), make the image ${next}${from.image.includes('$') ? ' (it comes from a build argument: set that argument)' : ''}`,
      );
    else steps.push(`In ${build.dockerfile}, change the FROM line that names Synapse's image to ${next}`);
    const compose = install.compose;
    if (compose) {
      steps.push(
        `Rebuild and recreate the service (build context ${build.context}):\n    ${cmd(composeCommand(compose, ['build', '--pull', compose.service], '').argv)}\n    ${cmd(composeCommand(compose, ['up', '-d', '--no-deps', compose.service], '').argv)}`,
      );
    }
  } else {
    steps.push(`Rebuild the image ${install.image} from its Dockerfile with the FROM line changed to ${next} (docker build -t NEW-TAG CONTEXT)`);
    steps.push(
      `Recreate ${install.container} from it with its settings: docker stop ${install.container}; docker rename ${install.container} ${install.container}-old; ${cmd(['docker', 'run', '-d', '--name', install.container, ...install.runArgs, 'NEW-TAG', ...install.runCommand])}`,
    );
  }
  return new AdminError(
    `The container ${install.container} runs ${install.image}, an image built on Synapse's own (${why}). Pulling ${next} would replace it and drop what was added to it, so the wizard does not pull.`,
    {
      exitCode: ExitCode.refused,
      code: 'custom-image',
      serverState: `nothing was changed; Synapse ${install.installedVersion} keeps serving`,
      nextStep: `${steps.map((s, i) => `${i + 1}. ${s}`).join('\n')}\nThen check the new version with synapse-upgrade detect --container ${install.container}.`,
    },
  );
}
