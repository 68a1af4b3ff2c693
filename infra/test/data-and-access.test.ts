import * as fs from 'node:fs';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { bucketRefOf, containerOf, fakeRepoRoot, resourcesOf, synth } from './synth';

// The default stack's state and access: Redis, the bucket, IAM, logs, network. One synth.
describe('TaskServiceStack data and access', () => {
  let repoRoot: string;
  let template: Template;

  beforeAll(() => {
    repoRoot = fakeRepoRoot();
    template = synth({ repoRoot }).template;
  });
  afterAll(() => fs.rmSync(repoRoot, { recursive: true, force: true }));

  const container = (name: string) => containerOf(template, name);
  const bucketRef = () => bucketRefOf(template);

  describe('Redis', () => {
    it('never evicts: maxmemory-policy noeviction in its parameter group', () => {
      template.hasResourceProperties('AWS::ElastiCache::ParameterGroup', {
        CacheParameterGroupFamily: 'redis7',
        Properties: { 'maxmemory-policy': 'noeviction' },
      });
    });

    it('is a node-based, multi-AZ replication group, encrypted in transit and at rest', () => {
      const [[, group]] = resourcesOf(template, 'AWS::ElastiCache::ReplicationGroup');
      expect(group.Properties).toMatchObject({
        Engine: 'redis',
        CacheNodeType: 'cache.t4g.medium',
        NumCacheClusters: 2,
        AutomaticFailoverEnabled: true,
        MultiAZEnabled: true,
        TransitEncryptionEnabled: true,
        TransitEncryptionMode: 'required',
        AtRestEncryptionEnabled: true,
      });
      const [paramGroupId] = resourcesOf(template, 'AWS::ElastiCache::ParameterGroup')[0];
      expect(group.Properties.CacheParameterGroupName).toEqual({ Ref: paramGroupId });
      expect(group.Properties).not.toHaveProperty('NumNodeGroups'); // cluster mode disabled
    });

    it('accepts connections only from the api and worker security groups', () => {
      const [[redisSgId]] = resourcesOf(template, 'AWS::ElastiCache::ReplicationGroup').map(
        ([, g]) => [g.Properties.SecurityGroupIds[0]['Fn::GetAtt'][0]],
      );
      const rules = resourcesOf(template, 'AWS::EC2::SecurityGroupIngress')
        .map(([, r]) => r.Properties)
        .filter((r) => r.GroupId['Fn::GetAtt']?.[0] === redisSgId);
      expect(rules).toHaveLength(2);
      for (const rule of rules) {
        expect(rule).toMatchObject({ FromPort: 6379, ToPort: 6379, IpProtocol: 'tcp' });
        expect(rule.SourceSecurityGroupId).toBeDefined();
        expect(rule.CidrIp).toBeUndefined();
      }
      const redisSg = template.toJSON().Resources[redisSgId].Properties;
      expect(redisSg.SecurityGroupIngress).toBeUndefined();
    });

    it('alarms before memory runs out', () => {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Threshold: 80,
        Metrics: Match.arrayWith([
          Match.objectLike({
            MetricStat: Match.objectLike({
              Metric: Match.objectLike({ MetricName: 'DatabaseMemoryUsagePercentage' }),
            }),
          }),
        ]),
      });
    });
  });

  describe('S3 bucket', () => {
    const bucket = () => resourcesOf(template, 'AWS::S3::Bucket')[0][1].Properties;

    it('is encrypted and blocks all public access', () => {
      expect(bucket().BucketEncryption.ServerSideEncryptionConfiguration).toEqual([
        { ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } },
      ]);
      expect(bucket().PublicAccessBlockConfiguration).toEqual({
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      });
    });

    it('expires objects after RESULT_TTL_SECONDS rounded up to days and aborts stale multipart uploads', () => {
      expect(bucket().LifecycleConfiguration.Rules).toEqual([
        expect.objectContaining({
          Status: 'Enabled',
          ExpirationInDays: 1,
          AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
        }),
      ]);
    });

    it('lets browsers PUT presigned parts and read their ETag', () => {
      expect(bucket().CorsConfiguration.CorsRules).toEqual([
        expect.objectContaining({ AllowedMethods: ['PUT'], ExposedHeaders: ['ETag'] }),
      ]);
    });

    it('denies any request not made over TLS', () => {
      template.hasResourceProperties('AWS::S3::BucketPolicy', {
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: 'Deny',
              Principal: { AWS: '*' },
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            }),
          ]),
        },
      });
    });
  });

  describe('IAM', () => {
    const statementsOfRole = (roleLogicalIdPrefix: string) =>
      resourcesOf(template, 'AWS::IAM::Policy')
        .filter(([, p]) =>
          p.Properties.Roles.some((r: any) => r.Ref.startsWith(roleLogicalIdPrefix)),
        )
        .flatMap(([, p]) => p.Properties.PolicyDocument.Statement as any[]);
    const asArray = <T>(v: T | T[]): T[] => (Array.isArray(v) ? v : [v]);
    const bucketArn = () => ({ 'Fn::GetAtt': [bucketRef().Ref, 'Arn'] });
    const objectsArn = () => ({ 'Fn::Join': ['', [bucketArn(), '/*']] });

    it('lets the worker read, write and delete objects in this bucket only', () => {
      const statements = statementsOfRole('WorkerTaskTaskRole');
      expect(statements).toEqual([
        {
          Effect: 'Allow',
          Action: [
            's3:AbortMultipartUpload',
            's3:DeleteObject',
            's3:GetObject',
            's3:ListMultipartUploadParts',
            's3:PutObject',
          ],
          Resource: objectsArn(),
        },
        {
          Effect: 'Allow',
          Action: ['s3:ListBucket', 's3:ListBucketMultipartUploads'],
          Resource: bucketArn(),
        },
      ]);
    });

    it('lets the api presign, complete and abort multipart uploads on this bucket only', () => {
      const statements = statementsOfRole('ApiTaskTaskRole');
      expect(statements).toEqual([
        {
          Effect: 'Allow',
          Action: [
            's3:AbortMultipartUpload',
            's3:DeleteObject',
            's3:GetObject',
            's3:ListMultipartUploadParts',
            's3:PutObject',
          ],
          Resource: objectsArn(),
        },
        { Effect: 'Allow', Action: 's3:ListBucket', Resource: bucketArn() },
      ]);
    });

    it('grants no S3 action on a wildcard resource anywhere in the stack', () => {
      const all = resourcesOf(template, 'AWS::IAM::Policy').flatMap(
        ([, p]) => p.Properties.PolicyDocument.Statement,
      );
      const s3Statements = all.filter((s: any) =>
        asArray(s.Action).some((a: string) => a.startsWith('s3:')),
      );
      expect(s3Statements.length).toBeGreaterThan(0);
      for (const s of s3Statements) {
        for (const resource of asArray(s.Resource)) expect(resource).not.toBe('*');
      }
      const allActions = all.flatMap((s: any) => asArray(s.Action));
      expect(allActions).not.toContain('s3:*');
      expect(allActions).not.toContain('*');
    });

    it('lets only the api execution role read the secrets', () => {
      const secretReaders = resourcesOf(template, 'AWS::IAM::Policy').filter(([, p]) =>
        JSON.stringify(p.Properties.PolicyDocument).includes('secretsmanager:GetSecretValue'),
      );
      expect(secretReaders.map(([id]) => id)).toEqual([
        expect.stringMatching(/^ApiTaskExecutionRole/),
      ]);
    });
  });

  describe('logs', () => {
    it('keeps every log group for 30 days', () => {
      const groups = resourcesOf(template, 'AWS::Logs::LogGroup');
      expect(groups.length).toBeGreaterThanOrEqual(2); // api, worker
      for (const [, g] of groups) expect(g.Properties.RetentionInDays).toBe(30);
    });

    it('ships container logs to those groups without blocking the app', () => {
      for (const name of ['api', 'worker']) {
        expect(JSON.stringify(container(name))).toContain('"mode":"non-blocking"');
      }
    });
  });

  describe('network', () => {
    it('spreads over two AZs and routes S3 traffic through a gateway endpoint, not NAT', () => {
      template.resourceCountIs('AWS::EC2::Subnet', 4);
      template.resourceCountIs('AWS::EC2::NatGateway', 2);
      template.hasResourceProperties('AWS::EC2::VPCEndpoint', {
        VpcEndpointType: 'Gateway',
        ServiceName: Match.objectLike({ 'Fn::Join': Match.arrayWith([Match.arrayWith(['.s3'])]) }),
      });
    });
  });
});
