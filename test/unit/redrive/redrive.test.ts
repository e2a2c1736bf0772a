import {
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ListDeadLetterSourceQueuesCommand,
  ListMessageMoveTasksCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SQSClient,
  StartMessageMoveTaskCommand,
} from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { detectSourceQueue, isUnsupportedOperation, reasonOf, redrive } from '../../../src/redrive/redrive';

const DLQ = 'https://sqs.us-west-2.amazonaws.com/111111111111/sync-dlq';
const SYNC = 'https://sqs.us-west-2.amazonaws.com/111111111111/sync';
const DLQ_ARN = 'arn:aws:sqs:us-west-2:111111111111:sync-dlq';
const SYNC_ARN = 'arn:aws:sqs:us-west-2:111111111111:sync';

function setup() {
  const sqs = new SQSClient({ region: 'us-west-2' });
  const mock = mockClient(sqs);
  mock.on(GetQueueAttributesCommand, { QueueUrl: DLQ }).resolves({
    Attributes: {
      QueueArn: DLQ_ARN,
      ApproximateNumberOfMessages: '3',
      RedriveAllowPolicy: JSON.stringify({ redrivePermission: 'byQueue', sourceQueueArns: [SYNC_ARN] }),
    },
  });
  mock.on(GetQueueAttributesCommand, { QueueUrl: SYNC }).resolves({ Attributes: { QueueArn: SYNC_ARN } });
  mock.on(GetQueueUrlCommand, { QueueName: 'sync' }).resolves({ QueueUrl: SYNC });
  mock.on(GetQueueUrlCommand, { QueueName: 'sync-dlq' }).resolves({ QueueUrl: DLQ });
  return { sqs, mock };
}

const msg = (i: number, reason?: string) => ({
  MessageId: `m${i}`,
  ReceiptHandle: `r${i}`,
  Body: `{"n":${i}}`,
  MessageAttributes: reason ? { reason: { DataType: 'String', StringValue: reason } } : undefined,
});

test('the source queue comes from the redrive allow policy, else from the queues redriving to the DLQ', async () => {
  const { sqs, mock } = setup();
  await expect(detectSourceQueue(sqs, DLQ)).resolves.toBe(SYNC);
  mock.on(GetQueueAttributesCommand, { QueueUrl: DLQ }).resolves({ Attributes: {} });
  mock.on(ListDeadLetterSourceQueuesCommand).resolves({ queueUrls: [SYNC] });
  await expect(detectSourceQueue(sqs, DLQ)).resolves.toBe(SYNC);
  mock.on(ListDeadLetterSourceQueuesCommand).resolves({ queueUrls: [SYNC, `${SYNC}-2`] });
  await expect(detectSourceQueue(sqs, DLQ)).rejects.toThrow(/--to/);
});

test('uses the message move task when the endpoint has it, naming the destination', async () => {
  const { sqs, mock } = setup();
  mock.on(StartMessageMoveTaskCommand).resolves({ TaskHandle: 'h' });
  mock
    .on(ListMessageMoveTasksCommand)
    .resolvesOnce({ Results: [{ Status: 'RUNNING', ApproximateNumberOfMessagesMoved: 1 }] })
    .resolves({ Results: [{ Status: 'COMPLETED', ApproximateNumberOfMessagesMoved: 3 }] });
  const r = await redrive(sqs, { queue: 'sync-dlq', sleep: async () => undefined });
  expect(r).toEqual(expect.objectContaining({ method: 'task', moved: 3, taskStatus: 'COMPLETED', targetUrl: SYNC }));
  expect(mock).toHaveReceivedCommandWith(StartMessageMoveTaskCommand, { SourceArn: DLQ_ARN, DestinationArn: SYNC_ARN });
  expect(mock).not.toHaveReceivedCommand(ReceiveMessageCommand);
});

test('falls back to copying when the endpoint lacks the move task; deletes only what was sent', async () => {
  const { sqs, mock } = setup();
  mock.on(StartMessageMoveTaskCommand).rejects(
    Object.assign(new Error('The action StartMessageMoveTask is not valid for this endpoint'), {
      name: 'InvalidAction',
    }),
  );
  mock
    .on(ReceiveMessageCommand)
    .resolvesOnce({ Messages: [msg(1), msg(2), msg(3)] })
    .resolves({ Messages: [] });
  mock.on(SendMessageBatchCommand).resolves({
    Successful: [
      { Id: '0', MessageId: 'n0', MD5OfMessageBody: '' },
      { Id: '2', MessageId: 'n2', MD5OfMessageBody: '' },
    ],
    Failed: [{ Id: '1', Code: 'x', SenderFault: false }],
  });
  mock.on(DeleteMessageBatchCommand).callsFake(async (input: { Entries: { Id: string }[] }) => ({
    Successful: input.Entries.map((e) => ({ Id: e.Id })),
  }));
  const r = await redrive(sqs, { queue: DLQ });
  expect(r).toEqual(expect.objectContaining({ method: 'copy', moved: 2, failed: 1 }));
  expect(r.fallbackReason).toMatch(/no message move task/);
  expect(mock).toHaveReceivedCommandWith(SendMessageBatchCommand, {
    QueueUrl: SYNC,
    Entries: [expect.objectContaining({ MessageBody: '{"n":1}' }), expect.anything(), expect.anything()],
  });
  expect(mock).toHaveReceivedCommandWith(DeleteMessageBatchCommand, {
    QueueUrl: DLQ,
    Entries: [
      { Id: '0', ReceiptHandle: 'r1' },
      { Id: '1', ReceiptHandle: 'r3' },
    ],
  });
  const order = mock.calls().map((c) => c.args[0].constructor.name);
  expect(order.indexOf('SendMessageBatchCommand')).toBeLessThan(order.indexOf('DeleteMessageBatchCommand'));
});

test('a refusal of the move task (not "unsupported") is an error, not a silent copy', async () => {
  const { sqs, mock } = setup();
  mock.on(StartMessageMoveTaskCommand).rejects(Object.assign(new Error('denied'), { name: 'AccessDenied' }));
  await expect(redrive(sqs, { queue: DLQ })).rejects.toThrow('denied');
  expect(mock).not.toHaveReceivedCommand(ReceiveMessageCommand);
});

test('stops when the target refuses every message (no spinning)', async () => {
  const { sqs, mock } = setup();
  mock.on(ReceiveMessageCommand).resolves({ Messages: [msg(1)] });
  mock.on(SendMessageBatchCommand).resolves({ Successful: [], Failed: [{ Id: '0', Code: 'x', SenderFault: true }] });
  const r = await redrive(sqs, { queue: DLQ, method: 'copy' });
  expect(r).toEqual(expect.objectContaining({ moved: 0, failed: 1 }));
  expect(mock).not.toHaveReceivedCommand(DeleteMessageBatchCommand);
});

test("reasons: the worker's attribute, redacted; none means the queue's own redrive policy", () => {
  expect(reasonOf(msg(1, 'permanent: InvalidParameterException: bad email a@b.example'))).toBe(
    'permanent: InvalidParameterException: bad email <email>',
  );
  expect(reasonOf(msg(1))).toMatch(/redrive policy/);
});

test('isUnsupportedOperation', () => {
  expect(isUnsupportedOperation(Object.assign(new Error('x'), { name: 'UnsupportedOperation' }))).toBe(true);
  expect(isUnsupportedOperation(Object.assign(new Error('x'), { $metadata: { httpStatusCode: 501 } }))).toBe(true);
  expect(isUnsupportedOperation(Object.assign(new Error('x'), { name: 'AccessDenied' }))).toBe(false);
});
