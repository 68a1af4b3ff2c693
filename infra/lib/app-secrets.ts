import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';

export interface AppSecretsProps {
  /** Existing secret holding API_KEYS (`alice:key1,bob:key2`); created by the operator, see infra/README.md. */
  readonly apiKeysSecretName: string;
}

/** ADMIN_TOKEN (generated here) and API_KEYS (operator-made), injected into the containers as ECS secrets. */
export class AppSecrets extends Construct {
  readonly adminToken: secretsmanager.ISecret;
  readonly apiKeys: secretsmanager.ISecret;

  constructor(scope: Construct, id: string, props: AppSecretsProps) {
    super(scope, id);

    this.adminToken = new secretsmanager.Secret(this, 'AdminToken', {
      description: 'Task service ADMIN_TOKEN (bull-board at /queues)',
      generateSecretString: { passwordLength: 48, excludePunctuation: true, includeSpace: false },
    });

    // Not generated: its value names the clients (`name:key,...`), which only the operator knows, and a
    // placeholder written into the template would be a working credential readable by anyone who can
    // read the stack. The ECS tasks fail to start until it exists (see infra/README.md).
    this.apiKeys = secretsmanager.Secret.fromSecretNameV2(this, 'ApiKeys', props.apiKeysSecretName);
  }

  /** The `secrets` block of a container definition; grants the execution role read access. */
  containerSecrets(): Record<string, ecs.Secret> {
    return {
      ADMIN_TOKEN: ecs.Secret.fromSecretsManager(this.adminToken),
      API_KEYS: ecs.Secret.fromSecretsManager(this.apiKeys),
    };
  }
}
