import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Construct } from 'constructs';

export interface NetworkProps {
  readonly natGateways: number;
}

/** Two-AZ VPC: ALB in public subnets; tasks and Redis in private subnets. */
export class Network extends Construct {
  readonly vpc: ec2.Vpc;

  constructor(scope: Construct, id: string, props: NetworkProps) {
    super(scope, id);

    this.vpc = new ec2.Vpc(this, 'Vpc', {
      maxAzs: 2,
      // One NAT per AZ (the default 2) keeps each AZ able to pull images, fetch secrets and ship logs
      // when the other AZ is down; 1 saves ~$33/month for a dev stack and gives that up.
      natGateways: props.natGateways,
      subnetConfiguration: [
        { name: 'public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 },
        { name: 'private', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 20 },
      ],
    });

    // Workers read every uploaded byte from S3 (a 5 GB job reads 5 GB). A gateway endpoint keeps that
    // traffic off the NAT gateways, which would bill $0.045/GB for it and cap its bandwidth; it is free.
    this.vpc.addGatewayEndpoint('S3Endpoint', { service: ec2.GatewayVpcEndpointAwsService.S3 });
  }
}
