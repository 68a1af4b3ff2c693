#!/usr/bin/env node
import { App } from 'aws-cdk-lib';
import { loadConfig } from '../lib/config';
import { TaskServiceStack } from '../lib/task-service-stack';

const app = new App();
const config = loadConfig((key) => app.node.tryGetContext(key));

// Environment-agnostic on purpose: no account or region is baked in, so `cdk synth` needs no
// credentials and does no lookups (AZs become Fn::GetAZs). `cdk deploy` takes both from the
// caller's AWS profile/environment.
new TaskServiceStack(app, app.node.tryGetContext('stackName') ?? 'TaskService', {
  config,
  description: 'Asynchronous task service: api and workers on ECS Fargate, ElastiCache Redis, S3',
});
