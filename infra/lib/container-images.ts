import * as ecr from 'aws-cdk-lib/aws-ecr';
import { Platform } from 'aws-cdk-lib/aws-ecr-assets';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { Construct } from 'constructs';
import type { ImageSource } from './config';

// Left out of the Docker build context that CDK stages from the repo root: the images run `npm ci`
// and build inside (sharp's binary must match the image's libc), so none of this is needed, and
// infra/ holds cdk.out, which would otherwise be copied into itself. Patterns use .dockerignore
// syntax; the repo's own .dockerignore is applied as well.
export const ASSET_EXCLUDES = [
  '**/node_modules',
  '.git',
  'infra',
  'dist',
  'coverage',
  'data',
  'tmp',
  '**/cdk.out',
  '**/*.log',
  '.env',
];

export interface ServiceImages {
  readonly api: ecs.ContainerImage;
  readonly worker: ecs.ContainerImage;
}

/**
 * The two images. `asset`: built from the repo's one Dockerfile with `--build-arg APP=api` and
 * `APP=worker` at deploy time (synth only stages and hashes the context; `cdk deploy` needs Docker).
 * `ecr`: images someone already pushed, e.g. by CI, to two ECR repositories in the target account.
 */
export function serviceImages(
  scope: Construct,
  source: ImageSource,
  arm64: boolean,
): ServiceImages {
  if (source.kind === 'ecr') {
    return {
      api: ecs.ContainerImage.fromEcrRepository(
        ecr.Repository.fromRepositoryName(scope, 'ApiRepository', source.apiRepository),
        source.tag,
      ),
      worker: ecs.ContainerImage.fromEcrRepository(
        ecr.Repository.fromRepositoryName(scope, 'WorkerRepository', source.workerRepository),
        source.tag,
      ),
    };
  }
  const platform = arm64 ? Platform.LINUX_ARM64 : Platform.LINUX_AMD64;
  const file = 'Dockerfile';
  const fromDockerfile = (app: 'api' | 'worker') =>
    ecs.ContainerImage.fromAsset(source.repoRoot, {
      file,
      // The Dockerfile's last stage is `FROM ${APP}`: the build argument picks the app.
      buildArgs: { APP: app },
      platform,
      // The repo's .dockerignore leaves the Dockerfile out (BuildKit reads -f from outside the
      // context), but CDK builds from the staged copy, so the Dockerfile must be staged: these
      // patterns come after .dockerignore's, and the last match wins.
      exclude: [...ASSET_EXCLUDES, `!${file}`],
    });
  return {
    api: fromDockerfile('api'),
    worker: fromDockerfile('worker'),
  };
}
