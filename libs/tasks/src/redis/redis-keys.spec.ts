import { redisKeys } from './redis-keys';

// Each shape spelled out as it is stored in Redis today: a change here loses persisted data (see
// redis-keys.ts), so it must be a deliberate migration, never a refactoring.
describe('redisKeys', () => {
  const token = '0123456789abcdef0123456789abcdef';

  it('keeps the task record, its chunk results and its progress under :task:<token>', () => {
    expect(redisKeys.task('tasks', token)).toBe(`tasks:task:${token}`);
    expect(redisKeys.taskChunks('tasks', token)).toBe(`tasks:task:${token}:chunks`);
    expect(redisKeys.taskProgress('tasks', token)).toBe(`tasks:task:${token}:progress`);
  });

  it('keeps a direct upload session and its completion claim under :upload:<token>', () => {
    expect(redisKeys.uploadSession('{tasks}', token)).toBe(`{tasks}:upload:${token}`);
    expect(redisKeys.uploadCompleting('{tasks}', token)).toBe(`{tasks}:upload:${token}:completing`);
  });

  it("keeps a client's usage in four keys under :client:<client>, in the scripts' KEYS order", () => {
    expect(redisKeys.clientUsage('tasks', 'alice')).toEqual([
      'tasks:client:alice:pending',
      'tasks:client:alice:stored',
      'tasks:client:alice:sizes',
      'tasks:client:alice:uploads',
    ]);
  });

  it("keeps a client's task index beside its usage, under :client:<client>:tasks", () => {
    expect(redisKeys.clientTasks('tasks', 'alice')).toBe('tasks:client:alice:tasks');
  });

  it('keeps the ended tasks whose callback is not yet queued in one zset, :webhooks:due', () => {
    expect(redisKeys.webhooksDue('test-1')).toBe('test-1:webhooks:due');
  });

  it('keeps the fair queues in one hash, :fair, with a virtual time per queue and a finish tag per client', () => {
    expect(redisKeys.fair('test-1')).toBe('test-1:fair');
    expect(redisKeys.fairVirtualField('even-sum-chunk')).toBe('virtual:even-sum-chunk');
    expect(redisKeys.fairFinishField('randomize', 'alice')).toBe('finish:randomize:alice');
  });

  it('keys the rate limit by the sha256 of "<throttler>-<tracker>" under :throttle:', () => {
    expect(redisKeys.throttle('tasks', 'default', 'alice')).toBe(
      'tasks:throttle:3f2cd6d8bd74ac87fd090e87c18415357df84201b2e94853168f2a36a6169f27',
    );
  });

  it("publishes a task's changes on :task:<token>:events", () => {
    expect(redisKeys.taskEvents('tasks', token)).toBe(`tasks:task:${token}:events`);
  });

  it("keeps a client's Idempotency-Key under :client:<client>:idem:<sha256 of the key>", () => {
    expect(redisKeys.idempotency('tasks', 'alice', 'k-1')).toBe(
      'tasks:client:alice:idem:7c35c5a1785d20704e44d5de4beb81c1fce91b6fe48ed7c3159af6f7f832078b',
    );
  });
});
