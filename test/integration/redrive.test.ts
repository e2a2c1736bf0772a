/**
 * The redrive CLI against local-aws-sqs: a dry run counts by reason and moves nothing; the move
 * task (which local-aws-sqs implements) and the copy fallback both move every message, once.
 */
import {
  ReceiveMessageCommand,
  SendMessageCommand,
  SetQueueAttributesCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { createQueuePair, queueDepth } from '../../scripts/local/sqs';
import { type CliRun, runCli } from '../support/cli';
import { useEmulators } from '../support/emulators';

jest.setTimeout(120_000);

const emu = useEmulators({ cognito: [] });

function redrive(args: string[]): Promise<CliRun> {
  return runCli('redrive', args, { timeoutMs: 90_000 });
}

async function fillDlq(sqs: SQSClient, dlqUrl: string, n: number): Promise<string[]> {
  const bodies: string[] = [];
  for (let i = 0; i < n; i++) {
    const body = JSON.stringify({
      v: 1,
      sourceRegion: 'us-east-1',
      sourcePoolId: 'us-east-1_Abc',
      sub: `sub-${i}`,
      reason: 'test',
      at: new Date(0).toISOString(),
    });
    bodies.push(body);
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: dlqUrl,
        MessageBody: body,
        MessageAttributes:
          i % 3 === 0
            ? undefined
            : {
                reason: {
                  DataType: 'String',
                  StringValue:
                    i % 3 === 1
                      ? 'permanent: InvalidParameterException: bad attribute'
                      : 'gave up after 30 attempts: TimeoutError',
                },
              },
      }),
    );
  }
  return bodies.sort();
}

async function drain(sqs: SQSClient, url: string): Promise<string[]> {
  const bodies: string[] = [];
  for (let empty = 0; empty < 2; ) {
    const r = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, VisibilityTimeout: 300, WaitTimeSeconds: 0 }),
    );
    if (!r.Messages?.length) empty++;
    for (const m of r.Messages ?? []) bodies.push(m.Body!);
  }
  return bodies.sort();
}

test('dry run: counts by reason, moves nothing, leaves the messages visible', async () => {
  const { sqs, sqsClient } = emu();
  const q = await createQueuePair(sqsClient, 'dry-sync');
  await fillDlq(sqsClient, q.dlqUrl, 12);
  const r = await redrive([
    '--region',
    'us-east-1',
    '--endpoint',
    sqs.endpoint,
    '--queue',
    'dry-sync-dlq',
    '--dry-run',
  ]);
  expect(r.code).toBe(0);
  expect(r.stdout).toMatch(/12 counted \(dry run: nothing moved\)/);
  expect(r.stdout).toMatch(/^ +4 {2}permanent: InvalidParameterException: bad attribute$/m);
  expect(r.stdout).toMatch(/^ +4 {2}gave up after 30 attempts: TimeoutError$/m);
  expect(r.stdout).toMatch(/^ +4 {2}\(no reason: moved by the queue's redrive policy/m);
  expect(r.stdout).toContain(`would move them to ${q.queueUrl}`);
  expect(await queueDepth(sqsClient, q.dlqUrl)).toEqual(expect.objectContaining({ visible: 12, inFlight: 0 }));
  expect(await queueDepth(sqsClient, q.queueUrl)).toEqual(expect.objectContaining({ visible: 0 }));
});

test.each(['task', 'copy'] as const)(
  '--method %s moves every message once to the source queue, found from the DLQ',
  async (method) => {
    const { sqs, sqsClient } = emu();
    const q = await createQueuePair(sqsClient, `move-${method}`);
    const bodies = await fillDlq(sqsClient, q.dlqUrl, 23);
    const r = await redrive([
      '--region',
      'us-east-1',
      '--endpoint',
      sqs.endpoint,
      '--queue',
      q.dlqUrl,
      '--method',
      method,
    ]);
    expect(r.stderr).not.toMatch(/error/);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      new RegExp(
        `^moved 23 message\\(s\\) from ${q.dlqUrl} to ${q.queueUrl} \\(${method === 'task' ? 'message move task, COMPLETED' : 'copy'}\\)$`,
        'm',
      ),
    );
    expect(await drain(sqsClient, q.queueUrl)).toEqual(bodies);
    expect(await queueDepth(sqsClient, q.dlqUrl)).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
  },
);

test('the destination comes from the redrive allow policy when there is one; --to overrides', async () => {
  const { sqs, sqsClient } = emu();
  const q = await createQueuePair(sqsClient, 'allow-sync');
  const other = await createQueuePair(sqsClient, 'other-sync');
  await sqsClient.send(
    new SetQueueAttributesCommand({
      QueueUrl: q.dlqUrl,
      Attributes: {
        RedriveAllowPolicy: JSON.stringify({ redrivePermission: 'byQueue', sourceQueueArns: [q.queueArn] }),
      },
    }),
  );
  await fillDlq(sqsClient, q.dlqUrl, 3);
  const r = await redrive([
    '--region',
    'us-east-1',
    '--endpoint',
    sqs.endpoint,
    '--queue',
    'allow-sync-dlq',
    '--to',
    'other-sync',
    '--method',
    'copy',
  ]);
  expect(r.code).toBe(0);
  expect((await drain(sqsClient, other.queueUrl)).length).toBe(3);
  expect((await drain(sqsClient, q.queueUrl)).length).toBe(0);
});

test('the sync queue unreachable during a copy: nothing is lost, the run says what is left', async () => {
  const { sqs, sqsClient } = emu();
  const q = await createQueuePair(sqsClient, 'lossless');
  const bodies = await fillDlq(sqsClient, q.dlqUrl, 5);
  const r = await redrive([
    '--region',
    'us-east-1',
    '--endpoint',
    sqs.endpoint,
    '--queue',
    q.dlqUrl,
    '--to',
    'https://sqs.invalid/000000000000/nowhere',
    '--method',
    'copy',
  ]);
  expect(r.code).toBe(1);
  expect(r.stdout).toMatch(/^moved 0 message\(s\)/m);
  expect(r.stdout).toMatch(/^5 message\(s\) left in the DLQ/m);
  expect(r.stdout).toMatch(/^stopped: sending to https:\/\/sqs\.invalid\/000000000000\/nowhere failed: /m);
  // Every message is still in the DLQ, received but not deleted: invisible for the copy's
  // visibility timeout, then back. (local-aws-sqs counts in-flight messages as visible too.)
  const depth = await queueDepth(sqsClient, q.dlqUrl);
  expect(depth.inFlight).toBe(bodies.length);
});
