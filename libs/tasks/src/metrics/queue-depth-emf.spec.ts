import { EmfDocument, queueDepthEmf } from './queue-depth-emf';

/**
 * What CloudWatch requires of an EMF log event (the embedded metric format specification): `_aws`
 * with a millisecond Timestamp and metric directives, each dimension a string member of the root,
 * each metric a number member of the root, at most 30 dimensions per set and 100 metrics.
 */
function emfProblems(doc: EmfDocument): string[] {
  const problems: string[] = [];
  if (!Number.isInteger(doc._aws.Timestamp)) problems.push('Timestamp is not an integer');
  for (const directive of doc._aws.CloudWatchMetrics) {
    if (!directive.Namespace) problems.push('empty Namespace');
    if (directive.Metrics.length > 100) problems.push('more than 100 metrics');
    for (const set of directive.Dimensions) {
      if (set.length > 30) problems.push('more than 30 dimensions');
      for (const name of set)
        if (typeof doc[name] !== 'string') problems.push(`dimension ${name} is not a root string`);
    }
    for (const metric of directive.Metrics)
      if (typeof doc[metric.Name] !== 'number')
        problems.push(`metric ${metric.Name} is not a root number`);
  }
  return problems;
}

describe(queueDepthEmf.name, () => {
  const counts = [
    { queue: 'randomize', waiting: 7, active: 2, delayed: 1 },
    { queue: 'even-sum-chunk', waiting: 40, active: 4, delayed: 0 },
  ];
  const sut = () => queueDepthEmf(counts, 'TaskService', 1_767_225_600_000);

  it('writes the totals under Deployment: the document the worker autoscaling reads', () => {
    expect(JSON.parse(JSON.stringify(sut()[0]))).toEqual({
      _aws: {
        Timestamp: 1_767_225_600_000,
        CloudWatchMetrics: [
          {
            Namespace: 'TaskService',
            Dimensions: [['Deployment']],
            Metrics: [
              { Name: 'QueueDepth', Unit: 'Count' },
              { Name: 'ActiveJobs', Unit: 'Count' },
              { Name: 'DelayedJobs', Unit: 'Count' },
            ],
          },
        ],
      },
      Deployment: 'TaskService',
      QueueDepth: 47,
      ActiveJobs: 6,
      DelayedJobs: 1,
    });
  });

  it('writes one document per queue under Deployment and Queue', () => {
    const [, randomize, chunks] = sut();
    expect(randomize._aws.CloudWatchMetrics[0].Dimensions).toEqual([['Deployment', 'Queue']]);
    expect(randomize).toMatchObject({
      Deployment: 'TaskService',
      Queue: 'randomize',
      QueueDepth: 7,
      ActiveJobs: 2,
      DelayedJobs: 1,
    });
    expect(chunks).toMatchObject({ Queue: 'even-sum-chunk', QueueDepth: 40 });
    expect(sut()).toHaveLength(3);
  });

  it('follows the EMF specification in every document', () => {
    for (const doc of sut()) expect(emfProblems(doc)).toEqual([]);
  });

  it('writes zeros, not nothing, for empty queues', () => {
    const [total] = queueDepthEmf(
      [{ queue: 'randomize', waiting: 0, active: 0, delayed: 0 }],
      'd',
      1,
    );
    expect(total).toMatchObject({ QueueDepth: 0, ActiveJobs: 0, DelayedJobs: 0 });
  });
});
