import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { loadConfig } from '../lib/config';
import { TaskServiceStack } from '../lib/task-service-stack';

export interface Synthesized {
  readonly stack: TaskServiceStack;
  readonly template: Template;
  /** The cloud assembly directory (what `cdk synth` writes to cdk.out). */
  readonly outdir: string;
  /** The stack's asset manifest (cdk.out/<stack>.assets.json). */
  readonly assets: {
    dockerImages: Record<
      string,
      {
        source: {
          directory: string;
          dockerFile?: string;
          dockerBuildArgs?: Record<string, string>;
          platform?: string;
        };
      }
    >;
    files: Record<string, { source: { path: string; packaging: string } }>;
  };
}

/**
 * A stand-in repo root with a Dockerfile, so the tests stage a tiny Docker build context instead of
 * the whole repository, and do not depend on the repo's Dockerfile.
 */
export function fakeRepoRoot(): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'task-service-repo-'));
  fs.writeFileSync(path.join(root, 'Dockerfile'), 'ARG APP\nFROM node:22-slim\n');
  fs.mkdirSync(path.join(root, 'node_modules', 'left-out'), { recursive: true });
  fs.writeFileSync(path.join(root, 'node_modules', 'left-out', 'index.js'), '');
  fs.writeFileSync(path.join(root, 'package.json'), '{}\n');
  // Like the repo's: the Dockerfile is left out of the Docker context.
  fs.writeFileSync(path.join(root, '.dockerignore'), 'node_modules\ninfra\nDockerfile\n');
  return root;
}

/** Synthesizes the app once with cdk.json's feature flags plus `context`, as `cdk synth` would. */
export function synth(context: Record<string, unknown> = {}): Synthesized {
  const cdkJson = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'cdk.json'), 'utf8'));
  const app = new App({ context: { ...cdkJson.context, ...context } });
  const config = loadConfig((key) => app.node.tryGetContext(key));
  const stack = new TaskServiceStack(app, 'TaskService', { config });
  const assembly = app.synth();
  const artifact = assembly.getStackByName(stack.stackName);
  const assetsFile = path.join(assembly.directory, `${artifact.stackName}.assets.json`);
  return {
    stack,
    template: Template.fromJSON(artifact.template),
    outdir: assembly.directory,
    assets: JSON.parse(fs.readFileSync(assetsFile, 'utf8')),
  };
}

/** All resources of one type, as [logicalId, resource] pairs. */
export function resourcesOf(template: Template, type: string): Array<[string, any]> {
  return Object.entries(template.findResources(type));
}

/** A container definition as it appears in the template. */
export type Container = {
  Name: string;
  Command: string[];
  Environment: Array<{ Name: string; Value: unknown }>;
  Secrets?: Array<{ Name: string; ValueFrom: unknown }>;
  PortMappings: Array<{ ContainerPort: number }>;
  HealthCheck: { Command: string[] };
  StopTimeout?: number;
};

/** The container definition named `name` (api or worker). */
export function containerOf(template: Template, name: string): Container {
  const defs = resourcesOf(template, 'AWS::ECS::TaskDefinition').flatMap(
    ([, r]) => r.Properties.ContainerDefinitions as Container[],
  );
  const found = defs.find((c) => c.Name === name);
  if (!found) throw new Error(`no container ${name}`);
  return found;
}

/** A container's plain environment as a name → value map. */
export function envOf(c: Container): Record<string, unknown> {
  return Object.fromEntries(c.Environment.map((e) => [e.Name, e.Value]));
}

/** `{ Ref: <bucket logical id> }` of the stack's only bucket. */
export function bucketRefOf(template: Template): { Ref: string } {
  return { Ref: resourcesOf(template, 'AWS::S3::Bucket')[0][0] };
}
